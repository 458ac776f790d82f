using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace JitBot.Slack.BlockKit;

/// <summary>Slack mrkdwn: escaping user text, mentions, and date tokens.</summary>
public static partial class Mrkdwn
{
    /// <summary>Escapes text for mrkdwn: <c>&amp;</c> first, then <c>&lt;</c> and <c>&gt;</c>; nothing else.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        if (text.AsSpan().IndexOfAny('&', '<', '>') < 0) return text;
        return text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
    }

    /// <summary>Text shown in inline code: escaped, with backticks removed so it cannot break out.</summary>
    public static string Code(string? text) => "`" + Escape((text ?? "").Replace("`", "'")) + "`";

    /// <summary>A user mention, or the escaped text when it is not a Slack user id.</summary>
    public static string User(string userId) => SlackId().IsMatch(userId) ? $"<@{userId}>" : Escape(userId);

    /// <summary>A channel mention for an id ("C…", "G…"), or "#name" escaped for anything else.</summary>
    public static string Channel(string channel)
    {
        if (SlackId().IsMatch(channel) && channel[0] is 'C' or 'G') return $"<#{channel}>";
        return Escape(channel.StartsWith('#') ? channel : "#" + channel);
    }

    /// <summary>A user group mention for a group id ("S…"), otherwise the escaped name.</summary>
    public static string UserGroup(string? groupId, string name)
    {
        if (groupId is not null && SlackId().IsMatch(groupId) && groupId[0] == 'S') return $"<!subteam^{groupId}>";
        return Escape(name);
    }

    /// <summary>
    /// A date every reader sees in their own time zone: <c>&lt;!date^UNIX^{date_short_pretty} at {time}|fallback&gt;</c>.
    /// The fallback (for clients that cannot render it) is UTC.
    /// </summary>
    public static string Date(DateTimeOffset at, string format = "{date_short_pretty} at {time}")
    {
        var fallback = at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        return $"<!date^{at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}^{format}|{fallback}>";
    }

    /// <summary>
    /// Cuts mrkdwn to at most <paramref name="max"/> characters, ending with "…", without splitting an
    /// escape entity (<c>&amp;amp;</c>), a mention or date token (<c>&lt;…&gt;</c>), or a surrogate pair.
    /// </summary>
    public static string Truncate(string text, int max)
    {
        if (text.Length <= max) return text;
        var cut = Math.Max(0, max - 1);
        var lastAmp = text.LastIndexOf('&', cut > 0 ? cut - 1 : 0);
        if (lastAmp >= 0 && lastAmp > cut - 6 && text.IndexOf(';', lastAmp) >= cut) cut = lastAmp;
        var lastOpen = cut > 0 ? text.LastIndexOf('<', cut - 1) : -1;
        if (lastOpen >= 0 && text.LastIndexOf('>', cut - 1) < lastOpen) cut = lastOpen;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1])) cut--;
        return new StringBuilder(text, 0, cut, max).Append('…').ToString();
    }

    [GeneratedRegex("^[A-Z0-9]{2,40}$", RegexOptions.CultureInvariant)]
    private static partial Regex SlackId();
}
