using System.Text;
using System.Text.RegularExpressions;
using JitBot.Common;

namespace JitBot.Commands;

/// <summary>What someone asked for with <c>/access …</c>, read from plain text.</summary>
public abstract record AccessCommand
{
    private AccessCommand() { }

    /// <summary><c>/access help</c>, or <c>/access</c> alone (<see cref="Empty"/>), which the Slack app answers with the request form.</summary>
    public sealed record Help(bool Empty) : AccessCommand;

    /// <summary><c>/access &lt;resource&gt; [for &lt;duration&gt;] [because &lt;reason&gt;]</c>.</summary>
    public sealed record Request(string ResourceId, TimeSpan? Duration, string? Reason) : AccessCommand;

    /// <summary><c>/access incident</c>: shows the channel's incident and who holds what until when.</summary>
    public sealed record IncidentShow : AccessCommand;

    /// <summary><c>/access incident start [label] [for &lt;duration&gt;]</c>.</summary>
    public sealed record IncidentStart(string? Label, TimeSpan? Length) : AccessCommand;

    /// <summary><c>/access incident end</c>.</summary>
    public sealed record IncidentEnd : AccessCommand;

    /// <summary><c>/access incident grant &lt;resource&gt; [for &lt;duration&gt;] [because &lt;reason&gt;]</c>: every member of the channel.</summary>
    public sealed record IncidentGrant(string ResourceId, TimeSpan? Duration, string? Reason) : AccessCommand;

    /// <summary><c>/access list</c>: my pending requests, active grants and recent ones; an approver also sees what waits for them.</summary>
    public sealed record List : AccessCommand;

    /// <summary><c>/access resources [tag:value …]</c>: what I can ask for and how, among the resources with all these tags.</summary>
    public sealed record Resources(IReadOnlyList<(string Tag, string Value)> Filters) : AccessCommand
    {
        public bool Equals(Resources? other) => other is not null && Filters.SequenceEqual(other.Filters);
        public override int GetHashCode() => Filters.Count;
    }

    /// <summary><c>/access explain &lt;resource&gt; [for &lt;duration&gt;]</c>: what would happen and why.</summary>
    public sealed record Explain(string ResourceId, TimeSpan? Duration) : AccessCommand;

    /// <summary><c>/access revoke &lt;grant&gt; [because &lt;reason&gt;]</c>: ends a grant now. <see cref="GrantRef"/> is the id as typed (see <c>ShortIds</c>).</summary>
    public sealed record Revoke(string GrantRef, string? Reason) : AccessCommand;

    /// <summary><c>/access extend &lt;grant&gt; [by &lt;duration&gt;] [because &lt;reason&gt;]</c>: asks for more time on a grant.</summary>
    public sealed record Extend(string GrantRef, TimeSpan? By, string? Reason) : AccessCommand;

    /// <summary>Text that could not be read; <see cref="Message"/> says what to type instead.</summary>
    public sealed record Invalid(string Message) : AccessCommand;

    /// <summary><c>/access audit &lt;resource | @user&gt;</c> (admins): the recent audit events of a resource or a person.</summary>
    public sealed record Audit(string? ResourceId, string? UserId) : AccessCommand;
}

/// <summary>
/// The <c>/access</c> grammar: <c>&lt;resource&gt; [for &lt;duration&gt;] [because &lt;reason&gt;]</c>.
/// "for" and "because" are keywords only where a clause can start; everything after "because" is the reason,
/// kept as written (Slack's escaped mentions become readable "@name"/"#name" text). Invisible format and
/// control characters are taken out of the whole text first (<see cref="VisibleText"/>), so nothing stored or
/// shown can hide or reorder what was typed.
/// </summary>
public static partial class AccessCommandParser
{
    public const string Usage = "/access <resource> [for <duration>] [because <reason>]";
    const string Example = "/access payments-db for 2h because INC-4312 payouts stuck";
    public const int MaxReasonLength = 1000;

    public static AccessCommand Parse(string? text)
    {
        var input = VisibleText.Clean(text ?? "").Trim();
        if (input.Length == 0) return new AccessCommand.Help(Empty: true);

        var words = Words(input);
        var first = words[0].Text;
        if (first.Equals("help", StringComparison.OrdinalIgnoreCase) || first is "?" or "-h" or "--help")
            return new AccessCommand.Help(Empty: false);

        if (IsKeyword(first, "incident"))
            return ParseIncident(words, input);
        if (IsKeyword(first, "list"))
            return words.Count == 1 ? new AccessCommand.List() : Invalid("`/access list` takes nothing after it: it shows your requests and grants.");
        if (IsKeyword(first, "resources"))
            return ParseResources(words);
        if (IsKeyword(first, "explain"))
            return ParseExplain(words, input);
        if (IsKeyword(first, "revoke"))
            return ParseRevoke(words, input);
        if (IsKeyword(first, "extend"))
            return ParseExtend(words, input);
        if (IsKeyword(first, "audit"))
            return ParseAudit(words);

        if (IsKeyword(first, "for") || IsKeyword(first, "because"))
            return Invalid($"Start with the resource you need, e.g. `{Example}`.");

        var resource = ResourceText(first);
        if (resource is null)
            return Invalid($"\"{Plain(first)}\" is not a resource id. Resource ids look like `payments-db`; type `/access help` for the grammar.");

        // Split the rest into the duration words (before "because") and the reason (after it).
        var becauseAt = words.FindIndex(1, w => IsKeyword(w.Text, "because"));
        var durationWords = words.Skip(1).Take((becauseAt < 0 ? words.Count : becauseAt) - 1).Select(w => w.Text).ToList();
        string? reason = null;
        if (becauseAt >= 0)
        {
            var reasonStart = becauseAt + 1 < words.Count ? words[becauseAt + 1].Start : input.Length;
            reason = NormalizeReason(input[reasonStart..]);
            if (reason.Length == 0)
                return Invalid($"Say why after \"because\", e.g. `{Example}`.");
            if (reason.Length > MaxReasonLength)
                return Invalid($"The reason is {reason.Length} characters long; keep it under {MaxReasonLength}, and link a ticket for the details.");
        }

        TimeSpan? duration = null;
        if (durationWords.Count > 0)
        {
            var hadFor = IsKeyword(durationWords[0], "for");
            if (hadFor) durationWords.RemoveAt(0);
            if (durationWords.Count == 0)
                return Invalid($"Say how long after \"for\", e.g. `/access {resource} for 2h`.");
            var durationText = string.Join(' ', durationWords);
            if (!DurationText.TryParse(durationText, out var d, out var error))
            {
                return hadFor
                    ? Invalid(error)
                    : Invalid($"I did not understand \"{Plain(durationText)}\". Type `{Usage}`, e.g. `{Example}`.");
            }
            duration = d;
        }

        return new AccessCommand.Request(resource, duration, reason);
    }

    /// <summary>The words that start a command rather than name a resource: a resource with one of these ids cannot be asked for by name.</summary>
    public static readonly IReadOnlyList<string> Keywords = ["help", "incident", "list", "resources", "explain", "revoke", "extend", "audit"];

    const string ResourcesUsage = "/access resources [tag:value …]";
    const string ExplainUsage = "/access explain <resource> [for <duration>]";
    const string RevokeUsage = "/access revoke <grant> [because <reason>]";
    const string ExtendUsage = "/access extend <grant> [by <duration>] [because <reason>]";

    /// <summary><c>resources</c>, then any number of <c>tag:value</c> (or <c>tag=value</c>) filters, all of which must hold.</summary>
    static AccessCommand ParseResources(List<(string Text, int Start)> words)
    {
        var filters = new List<(string Tag, string Value)>();
        foreach (var (word, _) in words.Skip(1))
        {
            var w = word.Trim('`', ',');
            var at = w.IndexOfAny([':', '=']);
            if (at <= 0 || at == w.Length - 1 || !TagName().IsMatch(w[..at]) || !TagValue().IsMatch(w[(at + 1)..]))
                return Invalid($"\"{Plain(word)}\" is not a filter. Filter with tags, e.g. `/access resources env:prod team:payments` (`{ResourcesUsage}`).");
            filters.Add((w[..at], w[(at + 1)..]));
        }
        return new AccessCommand.Resources(filters);
    }

    /// <summary><c>explain &lt;resource&gt; [for &lt;duration&gt;]</c>: the resource and duration read as in a request; no reason.</summary>
    static AccessCommand ParseExplain(List<(string Text, int Start)> words, string input)
    {
        if (words.Count == 1)
            return Invalid($"Say which resource to explain, e.g. `/access explain payments-db for 2h` (`{ExplainUsage}`).");
        return Parse(input[words[1].Start..]) switch
        {
            AccessCommand.Request { Reason: not null } r =>
                Invalid($"`/access explain` takes no reason: it says what would happen and whether a reason is required. Type `/access explain {r.ResourceId}` or `/access explain {r.ResourceId} for 2h`."),
            AccessCommand.Request r => new AccessCommand.Explain(r.ResourceId, r.Duration),
            AccessCommand.Invalid bad => bad,
            _ => Invalid($"Say which resource to explain, e.g. `/access explain payments-db for 2h` (`{ExplainUsage}`)."),
        };
    }

    /// <summary><c>audit &lt;resource | @user&gt;</c>: a user as Slack sends a mention (<c>&lt;@U…|name&gt;</c>) or a bare id.</summary>
    static AccessCommand ParseAudit(List<(string Text, int Start)> words)
    {
        const string usage = "Say whose or which events to show: `/access audit payments-db` or `/access audit @alice`.";
        if (words.Count != 2) return Invalid(usage);
        var word = words[1].Text;
        var mention = MentionedUser().Match(word);
        if (mention.Success) return new AccessCommand.Audit(null, mention.Groups["id"].Value);
        if (word.StartsWith('@'))
            return Invalid($"Pick {Plain(word)} from Slack's list as you type, so the command carries their Slack id.");
        return ResourceText(word) is { } resource ? new AccessCommand.Audit(resource, null) : Invalid(usage);
    }

    [GeneratedRegex(@"^<@(?<id>[UW][A-Z0-9]{2,20})(\|[^>]*)?>$", RegexOptions.CultureInvariant)]
    private static partial Regex MentionedUser();

    /// <summary><c>revoke &lt;grant&gt; [because &lt;reason&gt;]</c>.</summary>
    static AccessCommand ParseRevoke(List<(string Text, int Start)> words, string input)
    {
        if (words.Count == 1 || IsKeyword(words[1].Text, "because"))
            return Invalid($"Say which grant to end, e.g. `/access revoke p3n8d2` (`{RevokeUsage}`); `/access list` shows your grants with their ids.");
        if (ReasonFrom(words, input, 2, RevokeUsage, out var reason) is { } bad) return bad;
        var becauseAt = words.FindIndex(2, w => IsKeyword(w.Text, "because"));
        if ((becauseAt < 0 ? words.Count : becauseAt) > 2)
            return Invalid($"Type the grant's id and then, if you like, why: `{RevokeUsage}`, e.g. `/access revoke p3n8d2 because done early`.");
        return new AccessCommand.Revoke(words[1].Text, reason);
    }

    /// <summary><c>extend &lt;grant&gt; [by &lt;duration&gt;] [because &lt;reason&gt;]</c> ("for" is read like "by").</summary>
    static AccessCommand ParseExtend(List<(string Text, int Start)> words, string input)
    {
        if (words.Count == 1 || IsKeyword(words[1].Text, "because") || IsKeyword(words[1].Text, "by"))
            return Invalid($"Say which grant to extend, e.g. `/access extend p3n8d2 by 1h` (`{ExtendUsage}`); `/access list` shows your grants with their ids.");
        if (ReasonFrom(words, input, 2, ExtendUsage, out var reason) is { } bad) return bad;
        var becauseAt = words.FindIndex(2, w => IsKeyword(w.Text, "because"));
        var durationWords = words.Skip(2).Take((becauseAt < 0 ? words.Count : becauseAt) - 2).Select(w => w.Text).ToList();
        TimeSpan? by = null;
        if (durationWords.Count > 0)
        {
            if (IsKeyword(durationWords[0], "by") || IsKeyword(durationWords[0], "for")) durationWords.RemoveAt(0);
            if (durationWords.Count == 0)
                return Invalid($"Say how much longer after \"by\", e.g. `/access extend {Plain(words[1].Text)} by 1h`.");
            if (!DurationText.TryParse(string.Join(' ', durationWords), out var d, out var error))
                return Invalid(error);
            by = d;
        }
        return new AccessCommand.Extend(words[1].Text, by, reason);
    }

    /// <summary>The reason after "because" (from word <paramref name="from"/> on), normalized; null when there is none; a sentence when it is empty or too long.</summary>
    static AccessCommand.Invalid? ReasonFrom(List<(string Text, int Start)> words, string input, int from, string usage, out string? reason)
    {
        reason = null;
        var becauseAt = from < words.Count ? words.FindIndex(from, w => IsKeyword(w.Text, "because")) : -1;
        if (becauseAt < 0) return null;
        var reasonStart = becauseAt + 1 < words.Count ? words[becauseAt + 1].Start : input.Length;
        reason = NormalizeReason(input[reasonStart..]);
        if (reason.Length == 0)
            return Invalid($"Say why after \"because\" (`{usage}`).");
        if (reason.Length > MaxReasonLength)
            return Invalid($"The reason is {reason.Length} characters long; keep it under {MaxReasonLength}, and link a ticket for the details.");
        return null;
    }

    public const string IncidentUsage =
        "/access incident start [INC-123] [for 8h]`, `/access incident`, `/access incident grant <resource> [for 2h]` or `/access incident end";

    /// <summary>The incident sub-commands: <c>start [label] [for &lt;duration&gt;]</c>, <c>end</c>, <c>grant …</c>, or nothing (show).</summary>
    static AccessCommand ParseIncident(List<(string Text, int Start)> words, string input)
    {
        if (words.Count == 1) return new AccessCommand.IncidentShow();
        var verb = words[1].Text;
        if (IsKeyword(verb, "start") || IsKeyword(verb, "open"))
        {
            var rest = words.Skip(2).Select(w => w.Text).ToList();
            string? label = null;
            if (rest.Count > 0 && !IsKeyword(rest[0], "for"))
            {
                label = rest[0];
                rest.RemoveAt(0);
                if (!Incidents.IncidentLabel.IsValid(label))
                    return Invalid($"\"{Plain(label)}\" is not an incident label. Labels are one short word such as `INC-123`: letters, digits and - _ . : #, at most {Incidents.IncidentLabel.MaxLength} characters.");
            }
            if (rest.Count == 0) return new AccessCommand.IncidentStart(label, null);
            if (!IsKeyword(rest[0], "for") || rest.Count == 1)
                return Invalid("Say how long the incident may last after \"for\", e.g. `/access incident start INC-123 for 8h`.");
            var lengthText = string.Join(' ', rest.Skip(1));
            return DurationText.TryParse(lengthText, out var length, out var error)
                ? new AccessCommand.IncidentStart(label, length)
                : Invalid(error);
        }
        if (IsKeyword(verb, "end") || IsKeyword(verb, "close"))
            return words.Count == 2
                ? new AccessCommand.IncidentEnd()
                : Invalid("`/access incident end` takes nothing after it: it ends this channel's incident.");
        if (IsKeyword(verb, "grant"))
        {
            if (words.Count == 2)
                return Invalid("Say which resource everyone in the channel should get, e.g. `/access incident grant payments-api-prod for 1h`.");
            return Parse(input[words[2].Start..]) switch
            {
                AccessCommand.Request r => new AccessCommand.IncidentGrant(r.ResourceId, r.Duration, r.Reason),
                AccessCommand.Invalid bad => bad,
                _ => Invalid("Say which resource everyone in the channel should get, e.g. `/access incident grant payments-api-prod for 1h`."),
            };
        }
        return Invalid($"I know these incident commands: `{IncidentUsage}`.");
    }

    /// <summary>
    /// A reason as people meant it: Slack's entities decoded, escaped mentions turned into readable text
    /// (<c>&lt;@U1|worf&gt;</c> → "@worf", <c>&lt;#C1|ops&gt;</c> → "#ops", <c>&lt;!subteam^S1|@sre&gt;</c> → "@sre",
    /// <c>&lt;!channel&gt;</c> → "@channel", <c>&lt;https://x|label&gt;</c> → "label (https://x)"), whitespace collapsed.
    /// Invisible format and control characters are taken out (<see cref="VisibleText"/>). It is plain text: whoever
    /// shows it in Slack escapes it.
    /// </summary>
    public static string NormalizeReason(string text)
    {
        var readable = SlackToken().Replace(VisibleText.Clean(text), m =>
        {
            var body = m.Groups["body"].Value;
            var bar = body.IndexOf('|');
            var target = bar < 0 ? body : body[..bar];
            var label = bar < 0 ? "" : body[(bar + 1)..];
            if (target.StartsWith('@')) return "@" + (label.Length > 0 ? label.TrimStart('@') : target[1..]);
            if (target.StartsWith('#')) return "#" + (label.Length > 0 ? label.TrimStart('#') : target[1..]);
            if (target.StartsWith("!subteam^", StringComparison.Ordinal))
                return "@" + (label.Length > 0 ? label.TrimStart('@') : target["!subteam^".Length..]);
            if (target.StartsWith("!date^", StringComparison.Ordinal)) return label;
            if (target.StartsWith('!')) return "@" + (label.Length > 0 ? label.TrimStart('@') : target[1..]);
            return label.Length > 0 && label != target ? $"{label} ({target})" : target;
        });
        readable = readable.Replace("&lt;", "<").Replace("&gt;", ">").Replace("&amp;", "&");
        return Whitespace().Replace(readable, " ").Trim();
    }

    static AccessCommand.Invalid Invalid(string message) => new(message);

    static bool IsKeyword(string word, string keyword) => word.Equals(keyword, StringComparison.OrdinalIgnoreCase);

    static string? ResourceText(string word)
    {
        // "<#C123|payments-db>" (someone typed a channel) or "`payments-db`" still name the resource.
        var w = word.Trim('`', '"', '\'', ',');
        var token = SlackToken().Match(w);
        if (token.Success && token.Index == 0 && token.Length == w.Length)
        {
            var body = token.Groups["body"].Value;
            var bar = body.IndexOf('|');
            w = bar >= 0 ? body[(bar + 1)..] : "";
        }
        w = w.TrimStart('#');
        return ResourceId().IsMatch(w) ? w : null;
    }

    static string Plain(string text) => text.Length > 40 ? text[..40] + "…" : text;

    static List<(string Text, int Start)> Words(string input)
    {
        var words = new List<(string, int)>();
        var i = 0;
        while (i < input.Length)
        {
            while (i < input.Length && char.IsWhiteSpace(input[i])) i++;
            if (i >= input.Length) break;
            var start = i;
            while (i < input.Length && !char.IsWhiteSpace(input[i])) i++;
            words.Add((input[start..i], start));
        }
        return words;
    }

    // Linear: a token cannot contain '<' or '>', so every attempt ends at the next one. No wall-clock timeout,
    // which would only turn a GC pause into a failed command.
    [GeneratedRegex(@"<(?<body>[^<>\s][^<>]*)>", RegexOptions.CultureInvariant)]
    private static partial Regex SlackToken();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex ResourceId();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagName();

    [GeneratedRegex(@"^[^\s`<>]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagValue();
}

/// <summary>
/// The help text for <c>/access help</c>: mrkdwn, apart from the grammar's angle brackets, which the Slack app
/// escapes with everything else. The examples use resource ids the caller could ask for, given by the caller.
/// </summary>
public static class AccessHelp
{
    /// <param name="command">The slash command as the workspace named it.</param>
    /// <param name="resourceIds">Resource ids to show in the examples, best first; none gives generic examples.</param>
    public static string Text(string command, IReadOnlyList<string> resourceIds)
    {
        var b = new StringBuilder();
        b.AppendLine($"*Ask for access:* `{command} <resource> [for <duration>] [because <reason>]`");
        b.AppendLine();
        b.AppendLine("Examples:");
        if (resourceIds.Count == 0)
        {
            b.AppendLine($"• `{command} <resource> for 1h because <why you need it>`");
            b.AppendLine($"• `{command} <resource>` (the policy's default duration; some resources require a reason)");
            b.AppendLine("No resource in the policy is open to you right now; the team that owns a resource can tell you its id and how to get it.");
        }
        else
        {
            b.AppendLine($"• `{command} {resourceIds[0]} for 1h because <why you need it>`");
            b.AppendLine($"• `{command} {resourceIds[Math.Min(1, resourceIds.Count - 1)]}` (the policy's default duration; some resources require a reason)");
        }
        b.AppendLine($"Or type `{command}` alone for a form that lists what you may ask for.");
        b.AppendLine();
        b.AppendLine("*Your access:*");
        b.AppendLine($"• `{command} list` shows your pending requests, your grants with the time left and their ids, and what waits for your approval");
        b.AppendLine($"• `{command} resources [tag:value …]` shows what you can ask for and how (at once, with whose approval, or why not)");
        b.AppendLine($"• `{command} explain <resource> [for 2h]` says what would happen if you asked, and why");
        b.AppendLine($"• `{command} extend <grant> [by 1h] [because <reason>]` asks for more time; `{command} revoke <grant> [because <reason>]` ends a grant now");
        b.AppendLine("Grants and requests are named by the short id Slack shows with them, e.g. `p3n8d2`.");
        b.AppendLine();
        b.AppendLine("*Incidents* (in the incident's channel):");
        b.AppendLine($"• `{command} incident start [INC-123] [for 8h]` starts one here; your requests here are then tied to it, shown in the channel and end with it");
        b.AppendLine($"• `{command} incident` shows it and who holds what until when");
        b.AppendLine($"• `{command} incident grant <resource> [for 2h]` gives every member the policy allows it to, each their own grant");
        b.AppendLine($"• `{command} incident end` ends it: every grant tied to it is revoked and a digest is posted here");
        b.AppendLine();
        b.AppendLine("Durations: `30m`, `2h`, `1h30m`, `1d`, `90 minutes`, `2 hours`: whole minutes, at least one. The policy may cap them.");
        b.AppendLine("The policy decides: you get access at once, the owning team is asked to approve, or you are told why not.");
        b.Append($"`{command} help` shows this message.");
        return b.ToString();
    }
}
