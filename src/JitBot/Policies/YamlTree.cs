using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace JitBot.Policies;

/// <summary>A YAML node with the place it was written, built by <see cref="YamlTree"/>.</summary>
internal abstract class YNode(int line, int column)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
    public abstract string Kind { get; }
}

internal sealed class YScalar(int line, int column, string value, bool plain) : YNode(line, column)
{
    public string Value { get; } = value;
    /// <summary>Written without quotes, so `true`, `42` and `~` keep their YAML meaning.</summary>
    public bool Plain { get; } = plain;
    public bool IsNull => Plain && (Value.Length == 0 || Value is "~" or "null" or "Null" or "NULL");
    public override string Kind => IsNull ? "nothing" : "a text value";
}

internal sealed class YMap(int line, int column) : YNode(line, column)
{
    public List<KeyValuePair<YScalar, YNode>> Entries { get; } = [];
    public override string Kind => "a mapping";
}

internal sealed class YSeq(int line, int column) : YNode(line, column)
{
    public List<YNode> Items { get; } = [];
    public override string Kind => "a list";
}

/// <summary>Limits that keep a hostile policy file from costing more than a moment.</summary>
public sealed record PolicyLimits(
    long MaxFileBytes = 4 * 1024 * 1024,
    long MaxTotalBytes = 64 * 1024 * 1024,
    int MaxFiles = 2000,
    int MaxDepth = 32,
    int MaxNodesPerFile = 1_000_000,
    int MaxScalarLength = 16 * 1024)
{
    public static readonly PolicyLimits Default = new();
}

/// <summary>
/// Reads YAML text into <see cref="YNode"/>s from the parser's events, keeping line and column, enforcing
/// <see cref="PolicyLimits"/>, and refusing aliases (so anchors can never expand into a "billion laughs").
/// Never throws: problems are reported and the (possibly partial) tree is returned.
/// </summary>
internal static class YamlTree
{
    public static YNode? Parse(string text, string file, PolicyLimits limits, List<PolicyProblem> problems)
    {
        var parser = new Parser(new StringReader(text));
        var stack = new Stack<YNode>();
        var pendingKeys = new Stack<YScalar?>();
        YNode? root = null;
        var documents = 0;
        var nodes = 0;
        var aliasReported = false;
        try
        {
            while (parser.MoveNext())
            {
                var ev = parser.Current!;
                switch (ev)
                {
                    case DocumentStart:
                        documents++;
                        if (documents > 1)
                        {
                            problems.Add(Problem(file, ev.Start, "bad-yaml", "A policy file holds one YAML document; split the others into their own files."));
                            return root;
                        }
                        break;
                    case AnchorAlias alias:
                        if (!aliasReported)
                        {
                            problems.Add(Problem(file, ev.Start, "yaml-alias",
                                $"YAML aliases (*{alias.Value}) are not allowed in policy files; write the value out."));
                            aliasReported = true;
                        }
                        if (!Add(new YScalar(L(ev.Start.Line), L(ev.Start.Column), "", true))) return root;
                        break;
                    case Scalar scalar:
                        if (scalar.Value.Length > limits.MaxScalarLength)
                        {
                            problems.Add(Problem(file, ev.Start, "too-large",
                                $"This value is {scalar.Value.Length} characters long; the limit is {limits.MaxScalarLength}."));
                            return root;
                        }
                        if (!Add(new YScalar(L(ev.Start.Line), L(ev.Start.Column), scalar.Value, scalar.Style == ScalarStyle.Plain))) return root;
                        break;
                    case MappingStart:
                        if (!Open(new YMap(L(ev.Start.Line), L(ev.Start.Column)), ev)) return root;
                        break;
                    case SequenceStart:
                        if (!Open(new YSeq(L(ev.Start.Line), L(ev.Start.Column)), ev)) return root;
                        break;
                    case MappingEnd:
                    case SequenceEnd:
                        var done = stack.Pop();
                        pendingKeys.Pop();
                        if (stack.Count == 0) root = done;
                        break;
                }
            }
        }
        catch (YamlException e)
        {
            problems.Add(Problem(file, e.Start, "bad-yaml", Clean(e.Message)));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            problems.Add(new PolicyProblem(file, 1, 1, "bad-yaml", "The file could not be read as YAML: " + Clean(e.Message)));
        }
        return root;

        bool Open(YNode node, ParsingEvent ev)
        {
            if (stack.Count >= limits.MaxDepth)
            {
                problems.Add(Problem(file, ev.Start, "too-deep", $"The YAML is nested more than {limits.MaxDepth} levels deep."));
                return false;
            }
            if (!Add(node)) return false;
            stack.Push(node);
            pendingKeys.Push(null);
            return true;
        }

        bool Add(YNode node)
        {
            if (++nodes > limits.MaxNodesPerFile)
            {
                problems.Add(new PolicyProblem(file, node.Line, node.Column, "too-large",
                    $"The file has more than {limits.MaxNodesPerFile} YAML nodes; split it into smaller files."));
                return false;
            }
            if (stack.Count == 0)
            {
                if (node is YScalar) root = node;
                return true;
            }
            switch (stack.Peek())
            {
                case YSeq seq:
                    seq.Items.Add(node);
                    break;
                case YMap map:
                    var key = pendingKeys.Pop();
                    if (key is null)
                    {
                        if (node is YScalar k)
                        {
                            pendingKeys.Push(k);
                        }
                        else
                        {
                            problems.Add(new PolicyProblem(file, node.Line, node.Column, "bad-type", "Mapping keys must be plain text."));
                            pendingKeys.Push(new YScalar(node.Line, node.Column, "\0invalid-key", false));
                        }
                    }
                    else
                    {
                        map.Entries.Add(new(key, node));
                        pendingKeys.Push(null);
                    }
                    break;
            }
            return true;
        }
    }

    static int L(long n) => (int)Math.Clamp(n, 1, int.MaxValue);

    static PolicyProblem Problem(string file, Mark mark, string code, string message) =>
        new(file, Math.Max(1, (int)Math.Min(mark.Line, int.MaxValue)), Math.Max(1, (int)Math.Min(mark.Column, int.MaxValue)), code, message);

    static string Clean(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: …): "; the place is already in front of ours.
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        var text = cut >= 0 && message.StartsWith("(Line", StringComparison.Ordinal) ? message[(cut + 3)..] : message;
        text = text.Replace('\n', ' ').Replace('\r', ' ').Trim();
        if (text.Length > 200) text = text[..200] + "…";
        return text.Length == 0 ? "The YAML is malformed." : text;
    }
}
