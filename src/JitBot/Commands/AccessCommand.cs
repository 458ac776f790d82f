using System.Text;
using System.Text.RegularExpressions;
using JitBot.Common;

namespace JitBot.Commands;

/// <summary>What someone asked for with <c>/access …</c>, read from plain text.</summary>
public abstract record AccessCommand
{
    private AccessCommand() { }

    /// <summary><c>/access help</c>, or <c>/access</c> alone (a form will open here later).</summary>
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

    /// <summary>Text that could not be read; <see cref="Message"/> says what to type instead.</summary>
    public sealed record Invalid(string Message) : AccessCommand;
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
