using System.Globalization;
using System.Text;

namespace JitBot.Common;

/// <summary>
/// Text that a request controls (user ids, button values, resource ids, event types…) made safe for a log
/// line. Control characters (C0, DEL, C1), Unicode format characters (bidi overrides, zero-width and tag
/// characters), line and paragraph separators and lone surrogates are written as <c>\uXXXX</c> (or
/// <c>\UXXXXXXXX</c>) escapes, and a backslash as <c>\\</c>, so a value can neither start a forged log line,
/// recolour a terminal, nor reorder what a reader sees. Longer values are cut at <see cref="MaxLength"/>.
/// </summary>
public static class LogText
{
    /// <summary>How many characters of a value are kept; real ids are far shorter.</summary>
    public const int MaxLength = 200;

    public static string Safe(string? value)
    {
        if (value is null) return "(none)";
        if (value.Length <= MaxLength && !value.Any(c => c == '\\' || IsUnsafe(c))) return value;

        var text = new StringBuilder(Math.Min(value.Length, MaxLength) + 16);
        var i = 0;
        for (; i < value.Length && i < MaxLength; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                var codePoint = char.ConvertToUtf32(c, value[++i]);
                if (CharUnicodeInfo.GetUnicodeCategory(codePoint) == UnicodeCategory.Format)
                    text.Append(CultureInfo.InvariantCulture, $"\\U{codePoint:X8}");
                else
                    text.Append(c).Append(value[i]);
            }
            else if (c == '\\') text.Append(@"\\");
            else if (IsUnsafe(c)) text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else text.Append(c);
        }
        if (i < value.Length) text.Append(CultureInfo.InvariantCulture, $"…(+{value.Length - i} more)");
        return text.ToString();
    }

    /// <summary>A character that may not stand in a log line as it is (a surrogate is judged with its pair).</summary>
    static bool IsUnsafe(char c) =>
        c < ' ' || c is >= '\u007F' and <= '\u009F' || char.IsSurrogate(c) ||
        CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
