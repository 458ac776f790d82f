using JitBot.Policies;

namespace JitBot.Cli;

/// <summary>
/// Who a request in <c>policy explain</c> or in a policy test comes from, checked against the policy: a Slack
/// user id or the name of a listed person, and the groups they are in, each a declared handle (<c>@…</c>) or
/// Slack id (<c>S…</c>). Anything else is refused with a suggestion rather than quietly matching nothing.
/// </summary>
public static class RequesterLookup
{
    /// <summary>The Slack user id for <paramref name="typed"/> (an id as it is, or a unique name), or the reason there is none.</summary>
    public static (string? Id, string? Error) User(PolicySnapshot snapshot, string typed)
    {
        var text = typed.Trim();
        if (IsUserId(text)) return (text, null);
        var named = snapshot.People.Where(p => string.Equals(p.Name?.Trim(), text, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (named.Length == 1) return (named[0].SlackId, null);
        if (named.Length > 1)
            return (null, $"{named.Length} people in the policy are called \"{text}\": {string.Join(", ", named.Select(Describe))}. Give the Slack user id of the one you mean.");
        var names = snapshot.People.Where(p => !string.IsNullOrWhiteSpace(p.Name)).ToArray();
        var close = Closest(names.Select(p => p.Name!.Trim()), text).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var suggestion = close.Count == 0 ? "" : $" Did you mean {string.Join(" or ", names.Where(p => close.Contains(p.Name!.Trim())).Select(Describe))}?";
        return (null, $"\"{text}\" is neither a Slack user id (like U0123ABCD) nor the name of a person listed under `people` in the policy.{suggestion}");
    }

    /// <summary>The Slack user group id for <paramref name="typed"/> (a declared handle or id), or the reason there is none.</summary>
    public static (string? Id, string? Error) Group(PolicySnapshot snapshot, string typed)
    {
        var text = typed.Trim();
        var groups = snapshot.Groups;
        if (text.StartsWith('@') && snapshot.FindGroupId(text) is { } byHandle) return (byHandle, null);
        if (groups.Any(g => g.Id == text)) return (text, null);
        var suggestions = text.StartsWith('@') || snapshot.FindGroupId("@" + text) is null
            ? Closest(groups.Select(g => g.Handle), text.StartsWith('@') ? text : "@" + text).ToList()
            : ["@" + text];
        var suggestion = suggestions.Count > 0
            ? $" Did you mean {string.Join(" or ", suggestions)}?"
            : groups.Count == 0 ? " The policy declares no groups." : $" Declared groups: {string.Join(", ", groups.Select(g => g.Handle).Take(10))}{(groups.Count > 10 ? ", …" : "")}.";
        return (null, $"\"{text}\" is not a group declared in the policy; give a declared handle (@…) or Slack id (S…).{suggestion}");
    }

    static bool IsUserId(string s) => PolicyParser.IsSlackId(s, 'U') || PolicyParser.IsSlackId(s, 'W');

    static string Describe(PersonInfo p) => $"{p.Name} ({p.SlackId})";

    /// <summary>Up to three candidates close to what was typed (ignoring case), best first.</summary>
    static IEnumerable<string> Closest(IEnumerable<string> candidates, string typed)
    {
        var byLower = candidates.GroupBy(c => c.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var sorted = byLower.Keys.Order(StringComparer.Ordinal).ToArray();
        return ResourceSuggestions.Find(sorted, typed, 3).Select(k => byLower[k]);
    }
}
