using System.Globalization;
using System.Text;

namespace JitBot.Commands;

/// <summary>
/// Text as people see it: invisible characters that could disguise what was typed are taken out before the text
/// is read, stored or shown. Removed: Unicode format characters (category Cf: bidi embeddings, overrides and
/// isolates U+202A–U+202E and U+2066–U+2069, the marks U+200E/U+200F, zero-width U+200B–U+200D, word joiner
/// U+2060, byte order mark U+FEFF, soft hyphen, tag characters) and control characters (category Cc), except that
/// tabs, line breaks and other control whitespace become a space. Everything else, emoji included, is kept.
/// </summary>
public static class VisibleText
{
    public static string Clean(string text)
    {
        if (!NeedsCleaning(text)) return text;
        var b = new StringBuilder(text.Length);
        Span<char> utf16 = stackalloc char[2];
        foreach (var rune in text.EnumerateRunes())
        {
            switch (Rune.GetUnicodeCategory(rune))
            {
                case UnicodeCategory.Format:
                    break;
                case UnicodeCategory.Control:
                    if (Rune.IsWhiteSpace(rune)) b.Append(' ');
                    break;
                default:
                    b.Append(utf16[..rune.EncodeToUtf16(utf16)]);
                    break;
            }
        }
        return b.ToString();
    }

    static bool NeedsCleaning(string text)
    {
        foreach (var c in text)
        {
            if (char.IsSurrogate(c)) return true;
            var category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Format or UnicodeCategory.Control) return true;
        }
        return false;
    }
}
