using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Humanizer;

namespace JitBot.Common;

/// <summary>
/// Durations as people type them: "30m", "2h", "1h30m", "1d", "90 minutes", "2 hours", "1 hour 30 minutes".
/// Numbers are the digits 0–9 only. A duration is a whole number of minutes, at least one and at most a year:
/// anything else (zero, negative, "20s", "90s", "١h", unreadable) is refused with a sentence that says what to type.
/// </summary>
public static partial class DurationText
{
    public static readonly TimeSpan Longest = TimeSpan.FromDays(365);

    const string Example = "Use a duration like 30m, 2h, 1h30m, 1d or \"90 minutes\".";

    // No match timeout: the input is at most 64 characters and the pattern has no nested quantifiers, so a
    // match is linear; a wall-clock timeout would only fail valid durations when a GC pause hits.
    [GeneratedRegex(@"\G\s*(?<n>[0-9]{1,9})\s*(?<u>weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])\s*(,|and)?\s*",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Part();

    /// <summary>Reads a duration, or says why it cannot.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        error = "";
        var input = (text ?? "").Trim();
        if (input.Length == 0)
        {
            error = "The duration is empty. " + Example;
            return false;
        }
        if (input.Length > 64)
        {
            error = "That duration is too long to read. " + Example;
            return false;
        }
        if (NonAsciiDigit(input) is { } digit)
        {
            error = $"\"{input}\" has the digit \"{digit}\"; write numbers with the digits 0-9. " + Example;
            return false;
        }
        if (input.StartsWith('-'))
        {
            error = $"\"{input}\" is negative. " + Example;
            return false;
        }

        double totalSeconds = 0;
        var position = 0;
        var parts = 0;
        while (position < input.Length)
        {
            var match = Part().Match(input, position);
            if (!match.Success || match.Length == 0)
            {
                error = $"\"{input}\" is not a duration. " + Example;
                return false;
            }
            var n = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            totalSeconds += n * UnitSeconds(match.Groups["u"].Value);
            position += match.Length;
            parts++;
        }

        if (parts == 0 || totalSeconds <= 0)
        {
            error = $"\"{input}\" is zero. Ask for at least a minute. " + Example;
            return false;
        }
        if (totalSeconds > Longest.TotalSeconds)
        {
            error = $"\"{input}\" is more than a year, which is not just-in-time access. Ask for less.";
            return false;
        }
        if (totalSeconds < 60)
        {
            error = $"\"{input}\" is less than a minute. Ask for at least a minute (1m).";
            return false;
        }
        if (totalSeconds % 60 != 0)
        {
            error = $"\"{input}\" is not a whole number of minutes. Access is granted in whole minutes; ask for e.g. {Format(TimeSpan.FromMinutes(Math.Round(totalSeconds / 60)))}.";
            return false;
        }
        duration = TimeSpan.FromSeconds(totalSeconds);
        return true;
    }

    /// <summary>Reads a duration or throws <see cref="FormatException"/> with the same sentence.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var d, out var error) ? d : throw new FormatException(error);

    /// <summary>A duration for people: "2 hours", "1 hour, 30 minutes".</summary>
    public static string Humanize(TimeSpan duration) =>
        duration.Humanize(precision: 3, culture: CultureInfo.InvariantCulture, minUnit: Humanizer.Localisation.TimeUnit.Minute,
            maxUnit: Humanizer.Localisation.TimeUnit.Day);

    /// <summary>The compact form used in policy files and tests: "2h", "1h30m", "1d".</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero) return "0m";
        var text = "";
        if (duration.Days > 0) text += $"{duration.Days}d";
        if (duration.Hours > 0) text += $"{duration.Hours}h";
        if (duration.Minutes > 0) text += $"{duration.Minutes}m";
        if (duration.Seconds > 0) text += $"{duration.Seconds}s";
        return text;
    }

    /// <summary>The first digit outside 0–9 (Arabic-Indic, full-width, …), which <c>[0-9]</c> would not read.</summary>
    static string? NonAsciiDigit(string input)
    {
        foreach (var rune in input.EnumerateRunes())
            if (Rune.IsDigit(rune) && !(rune.Value is >= '0' and <= '9'))
                return rune.ToString();
        return null;
    }

    static double UnitSeconds(string unit) => char.ToLowerInvariant(unit[0]) switch
    {
        'w' => 7 * 86400,
        'd' => 86400,
        'h' => 3600,
        'm' => 60,
        _ => 1,
    };
}
