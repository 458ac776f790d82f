using System.Text;
using System.Text.Json;

namespace JitBot.Policies;

/// <summary>
/// Reads a JSON policy file (UTF-8 bytes) into the same <see cref="YNode"/> tree as YAML, with the same
/// limits and problem codes. JSON is a subset of YAML, so a value means the same in both: strings are quoted
/// scalars; numbers, <c>true</c>, <c>false</c> and <c>null</c> are plain scalars. Lines and columns come from
/// byte offsets (columns count characters, as for YAML). Never throws; problems are reported and the tree is
/// returned only when the whole file was read.
/// </summary>
internal static class JsonTree
{
    static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <param name="onItem">When given, receives each item of the top-level lists instead of the tree (see <see cref="TreeBuilder"/>).</param>
    public static YNode? Parse(ReadOnlySpan<byte> utf8, string file, PolicyLimits limits, List<PolicyProblem> problems, Action<string, YNode>? onItem = null)
    {
        if (utf8.StartsWith(Bom)) utf8 = utf8[Bom.Length..];
        if (utf8.Trim(" \t\r\n"u8).IsEmpty) return null; // an empty file is an empty policy file, as in YAML
        var tree = new TreeBuilder(file, limits, problems, onItem);
        var position = new Position(utf8);
        var reader = new Utf8JsonReader(utf8, isFinalBlock: true, new JsonReaderState(new JsonReaderOptions
        {
            // One level more than ours, so our own limit (with its message) is reached first.
            MaxDepth = Math.Max(1, limits.MaxDepth + 1),
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        }));
        try
        {
            while (reader.Read())
            {
                var (line, column) = position.At(reader.TokenStartIndex);
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        if (!tree.Open(new YMap(line, column), "JSON")) return null;
                        break;
                    case JsonTokenType.StartArray:
                        if (!tree.Open(new YSeq(line, column), "JSON")) return null;
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        tree.Close();
                        break;
                    case JsonTokenType.PropertyName:
                    case JsonTokenType.String:
                        if (Text(ref reader, tree, limits) is not { } text)
                        {
                            problems.Add(new PolicyProblem(file, line, column, "too-large",
                                $"This value is longer than {limits.MaxScalarLength} characters, the limit."));
                            return null;
                        }
                        if (!tree.Scalar(new YScalar(line, column, text, plain: false))) return null;
                        break;
                    case JsonTokenType.Number:
                        if (reader.ValueSpan.Length > limits.MaxScalarLength)
                        {
                            problems.Add(new PolicyProblem(file, line, column, "too-large",
                                $"This number is longer than {limits.MaxScalarLength} characters, the limit."));
                            return null;
                        }
                        if (!tree.Scalar(new YScalar(line, column, tree.Intern(reader.ValueSpan), plain: true))) return null;
                        break;
                    case JsonTokenType.True:
                        if (!tree.Scalar(new YScalar(line, column, "true", plain: true))) return null;
                        break;
                    case JsonTokenType.False:
                        if (!tree.Scalar(new YScalar(line, column, "false", plain: true))) return null;
                        break;
                    case JsonTokenType.Null:
                        if (!tree.Scalar(new YScalar(line, column, "null", plain: true))) return null;
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            var (line, column) = e.LineNumber is { } l && e.BytePositionInLine is { } b
                ? position.OfLineAndByte(l, b)
                : position.At(Math.Min(reader.BytesConsumed, utf8.Length));
            problems.Add(new PolicyProblem(file, line, column, "bad-yaml", "The JSON is malformed: " + Clean(e.Message)));
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            var (line, column) = position.At(Math.Min(reader.TokenStartIndex, utf8.Length));
            problems.Add(new PolicyProblem(file, line, column, "bad-yaml", "The JSON could not be read: " + Clean(e.Message)));
            return null;
        }
        return tree.Root;
    }

    /// <summary>A string token's text, shared when short and unescaped; null when over the length limit.</summary>
    static string? Text(ref Utf8JsonReader reader, TreeBuilder tree, PolicyLimits limits)
    {
        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped)
            return raw.Length > limits.MaxScalarLength && Encoding.UTF8.GetCharCount(raw) > limits.MaxScalarLength ? null : tree.Intern(raw);
        if (raw.Length > 6L * limits.MaxScalarLength) return null; // an escape is at most 6 bytes per character
        var text = reader.GetString()!;
        return text.Length > limits.MaxScalarLength ? null : tree.Intern(text);
    }

    static string Clean(string message)
    {
        // System.Text.Json ends with " LineNumber: 3 | BytePositionInLine: 5."; the place is already in front of ours.
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = (cut >= 0 ? message[..cut] : message).Replace('\n', ' ').Replace('\r', ' ').Trim();
        if (text.Length > 200) text = text[..200] + "…";
        return text.Length == 0 ? "unexpected input." : text;
    }

    /// <summary>
    /// Line and column (1-based; columns in characters) of byte offsets that only move forward, in time
    /// linear in the file however long its lines are (a minified catalog is one line).
    /// </summary>
    ref struct Position(ReadOnlySpan<byte> text)
    {
        readonly ReadOnlySpan<byte> text = text;
        long offset;
        int line = 1;
        int column = 1;

        public (int Line, int Column) At(long target)
        {
            if (target < offset) return Recount(target);
            // The bytes between two tokens are few (spaces, a colon, a comma, the previous token), so a plain
            // loop is cheapest: a new line resets the column; bytes that continue a character do not count.
            long l = line, c = column;
            foreach (var b in text[(int)offset..(int)target])
            {
                if (b == (byte)'\n') { l++; c = 1; }
                else if ((b & 0xC0) != 0x80) c++;
            }
            (line, column, offset) = (Clamp(l), Clamp(c), target);
            return (line, column);
        }

        (int, int) Recount(long target)
        {
            (offset, line, column) = (0, 1, 1);
            return At(target);
        }

        /// <summary>The place of a (0-based) line and byte in that line, as System.Text.Json reports errors.</summary>
        public readonly (int Line, int Column) OfLineAndByte(long zeroBasedLine, long byteInLine)
        {
            var start = 0;
            for (long l = 0; l < zeroBasedLine; l++)
            {
                var next = text[start..].IndexOf((byte)'\n');
                if (next < 0) break;
                start += next + 1;
            }
            var end = (int)Math.Min(text.Length, start + Math.Max(0, byteInLine));
            return (Clamp(zeroBasedLine + 1), 1 + Chars(text[start..end]));
        }

        /// <summary>Characters in UTF-8 bytes: every byte that does not continue a character.</summary>
        static int Chars(ReadOnlySpan<byte> bytes)
        {
            if (System.Text.Ascii.IsValid(bytes)) return bytes.Length;
            var n = 0;
            foreach (var b in bytes)
                if ((b & 0xC0) != 0x80) n++;
            return n;
        }

        static int Clamp(long n) => (int)Math.Clamp(n, 1, int.MaxValue);
    }
}
