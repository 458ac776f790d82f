using System.Globalization;
using System.Text.RegularExpressions;

namespace JitBot.Cli;

/// <summary>
/// The <c>--since</c> / <c>--until</c> of the offline commands. Each is either a time back from now (<c>30m</c>,
/// <c>12h</c>, <c>30d</c>, <c>2w</c>), a date (<c>2026-03-04</c>, midnight UTC) or an ISO time
/// (<c>2026-03-04T11:00:00Z</c>; without an offset it is UTC); <c>--until</c> also takes <c>now</c>. A missing
/// bound is open: <see cref="Since"/> or <see cref="Until"/> null. Since is inclusive, until exclusive.
/// </summary>
public sealed partial record TimeRange(DateTimeOffset? Since, DateTimeOffset? Until)
{
    public static readonly TimeRange All = new(null, null);

    [GeneratedRegex(@"^\s*(?<n>[0-9]{1,6})\s*(?<u>m|min|h|d|w)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Relative();

    /// <summary>Whether <paramref name="at"/> falls in the range.</summary>
    public bool Contains(DateTimeOffset at) => (Since is null || at >= Since) && (Until is null || at < Until);

    /// <summary>
    /// Reads both bounds against <paramref name="now"/>; throws <see cref="FormatException"/> whose message is one
    /// sentence for the user (an unreadable value, a <c>--since</c> in the future, an until before the since).
    /// </summary>
    public static TimeRange Parse(string? since, string? until, DateTimeOffset now)
    {
        if (TryParse(since, until, now, out var range, out var error)) return range;
        throw new FormatException(error);
    }

    /// <summary>Like <see cref="Parse"/>, with the sentence in <paramref name="error"/> instead of an exception.</summary>
    public static bool TryParse(string? since, string? until, DateTimeOffset now, out TimeRange range, out string error)
    {
        range = All;
        DateTimeOffset? from = null, to = null;
        if (!string.IsNullOrWhiteSpace(since))
        {
            if (!TryPoint(since, now, out var s, out error, "--since")) return false;
            if (s > now)
            {
                error = $"--since {Show(since)} is {s:yyyy-MM-dd HH:mm} UTC, which is in the future (it is {now.ToUniversalTime():yyyy-MM-dd HH:mm} UTC now): nothing has happened since then yet. Give a time in the past, like 30d or {now.ToUniversalTime().AddDays(-7):yyyy-MM-dd}.";
                return false;
            }
            from = s;
        }
        if (!string.IsNullOrWhiteSpace(until))
        {
            if (!TryPoint(until, now, out var u, out error, "--until")) return false;
            to = u;
        }
        if (from is not null && to is not null && to <= from)
        {
            error = $"--until ({to.Value.ToUniversalTime():yyyy-MM-dd HH:mm} UTC) is not after --since ({from.Value.ToUniversalTime():yyyy-MM-dd HH:mm} UTC): the range is empty. Swap them or widen the range.";
            return false;
        }
        error = "";
        range = new TimeRange(from, to);
        return true;
    }

    static bool TryPoint(string text, DateTimeOffset now, out DateTimeOffset at, out string error, string option)
    {
        error = "";
        var t = text.Trim();
        if (option == "--until" && t.Equals("now", StringComparison.OrdinalIgnoreCase))
        {
            at = now;
            return true;
        }
        var m = Relative().Match(t);
        if (m.Success)
        {
            var n = int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            var span = m.Groups["u"].Value.ToLowerInvariant() switch
            {
                "m" or "min" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                "d" => TimeSpan.FromDays(n),
                _ => TimeSpan.FromDays(7.0 * n),
            };
            at = now - span;
            return true;
        }
        if (DateTimeOffset.TryParseExact(t, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at))
            return true;
        if (t.Contains('T', StringComparison.Ordinal) &&
            DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at))
            return true;
        error = $"{option} {Show(text)} is neither a time back from now (30m, 12h, 30d, 2w) nor a date (2026-03-04) or ISO time (2026-03-04T11:00:00Z).";
        return false;
    }

    static string Show(string text) =>
        "\"" + new string(text.Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray()) + "\"";
}
