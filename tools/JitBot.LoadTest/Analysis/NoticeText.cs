using System.Globalization;
using System.Text.RegularExpressions;

namespace JitBot.LoadTest.Analysis;

/// <summary>What a notice the bot posted is about, read from its text (see SlackNotifier and ApprovalMessage).</summary>
internal enum NoticeKind { Other, Approval, GrantedDm, GrantedThread, EndedDm, EndedThread }

/// <summary>
/// Reads the bot's notices: which kind, whose access to which resource (the requester is the DM's channel or the
/// first user mention; the resource is the first code span), and when a "you have access" DM says access ends. A
/// message about several grants at once (GroupedGrantMessage) has one line per grant, "• `resource` …": each is
/// a subject, and each "ends" of a grouped "you have access" is a grant's end.
/// </summary>
internal static partial class NoticeText
{
    public static NoticeKind Kind(string text) => text switch
    {
        _ when text.StartsWith(":lock: Your access to ", StringComparison.Ordinal) => NoticeKind.EndedDm,
        _ when text.StartsWith(":lock: Access for ", StringComparison.Ordinal) => NoticeKind.EndedThread,
        _ when text.StartsWith(":white_check_mark: You have access to ", StringComparison.Ordinal) => NoticeKind.GrantedDm,
        _ when text.StartsWith(":white_check_mark: Granted to ", StringComparison.Ordinal) => NoticeKind.GrantedThread,
        _ when text.StartsWith("Access request from ", StringComparison.Ordinal) => NoticeKind.Approval,
        _ => NoticeKind.Other,
    };

    /// <summary>The requester and resource a notice is about, or null when the text names neither.</summary>
    public static (string User, string Resource)? Subject(string channel, string text)
    {
        var resource = CodeSpan().Match(text);
        if (!resource.Success) return null;
        var user = channel.StartsWith('U') || channel.StartsWith('W') ? channel : UserMention().Match(text) is { Success: true } m ? m.Groups[1].Value : null;
        return user is null ? null : (user, resource.Groups[1].Value);
    }

    /// <summary>
    /// Every requester and resource a notice is about: one per "• `resource`" line of a message about several
    /// grants, otherwise <see cref="Subject"/>'s one (or none).
    /// </summary>
    public static List<(string User, string Resource)> Subjects(string channel, string text)
    {
        var lines = GroupedLine().Matches(text);
        if (lines.Count == 0) return Subject(channel, text) is { } one ? [one] : [];
        if (Subject(channel, text) is not { } first) return [];
        return lines.Select(m => (first.User, m.Groups[1].Value)).ToList();
    }

    /// <summary>When a "you have access … It ends X" DM says access ends, in Unix ms; null for other texts.</summary>
    public static long? EndsAtMs(string text)
    {
        var match = EndsAt().Match(text);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 1000 : null;
    }

    /// <summary>Every end a "you have access" message names, in Unix ms: one, or one per grant of a grouped message.</summary>
    public static List<long> AllEndsAtMs(string text) =>
        AnyEndsAt().Matches(text).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1000).ToList();

    [GeneratedRegex("• `([^`]+)`")]
    private static partial Regex GroupedLine();

    [GeneratedRegex(@"\bends <!date\^(\d+)\^")]
    private static partial Regex AnyEndsAt();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex("<@([UW][A-Z0-9]+)>")]
    private static partial Regex UserMention();

    [GeneratedRegex(@"It ends <!date\^(\d+)\^")]
    private static partial Regex EndsAt();
}
