using System.Globalization;
using System.Text;

namespace JitBot.Common;

/// <summary>
/// Text from files and requests made safe to print on a terminal or in a log line: control characters
/// (which can move the cursor, recolour or hide what follows) and the invisible characters that reorder text
/// are written as escapes, such as <c>\u001B</c> for ESC and <c>\t</c> for a tab.
/// </summary>
public static class PrintableText
{
    /// <summary>The text with every unsafe character escaped; with <paramref name="keepNewlines"/>, line breaks stay.</summary>
    public static string Escape(string text, bool keepNewlines = false)
    {
        var i = 0;
        while (i < text.Length && !Unsafe(text[i], keepNewlines)) i++;
        if (i == text.Length) return text;
        var sb = new StringBuilder(text.Length + 16).Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (!Unsafe(c, keepNewlines)) sb.Append(c);
            else if (c == '\t') sb.Append("\\t");
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    static bool Unsafe(char c, bool keepNewlines) =>
        c == '\n' ? !keepNewlines :
        char.IsControl(c) ||
        c is '\u061C' or '\u200E' or '\u200F' or '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
