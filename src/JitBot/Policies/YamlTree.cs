using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace JitBot.Policies;

/// <summary>A YAML node with the place it was written, built by <see cref="YamlTree"/> or <see cref="JsonTree"/>.</summary>
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
    /// <summary>The entries in written order, in an array of exactly their number (set when the mapping ends).</summary>
    public KeyValuePair<YScalar, YNode>[] Pairs { get; internal set; } = [];
    public IReadOnlyList<KeyValuePair<YScalar, YNode>> Entries => Pairs;
    public override string Kind => "a mapping";
}

internal sealed class YSeq(int line, int column) : YNode(line, column)
{
    /// <summary>The items in written order (set when the list ends).</summary>
    public YNode[] Items { get; internal set; } = [];
    public override string Kind => "a list";
}

/// <summary>Limits that keep a hostile policy file or folder from costing more than a moment.</summary>
/// <param name="MaxFolderDepth">How deep folders may nest below the policy folder.</param>
/// <param name="MaxFolderEntries">How many files and folders (of any kind) the policy folder may hold in all.</param>
public sealed record PolicyLimits(
    long MaxFileBytes = 4 * 1024 * 1024,
    long MaxTotalBytes = 64 * 1024 * 1024,
    int MaxFiles = 2000,
    int MaxDepth = 32,
    int MaxNodesPerFile = 1_000_000,
    int MaxScalarLength = 16 * 1024,
    int MaxFolderDepth = 16,
    int MaxFolderEntries = 20_000)
{
    public static readonly PolicyLimits Default = new();
}

/// <summary>
/// Builds the node tree for one file from a stream of scalars and container starts/ends, whatever the
/// syntax (YAML or JSON): enforces the depth and node limits, pairs mapping keys with values, gives every
/// list and mapping an exact-size array, and shares one string for repeated short texts (keys, tag values),
/// so a large catalog costs fewer and smaller objects.
/// </summary>
/// <remarks>
/// With <paramref name="onItem"/>, the items of the top-level lists (<c>resources:</c>, <c>rules:</c>, …) are
/// handed over one by one as each ends and are not kept in the tree, so a file of 10,000 resources never
/// holds more than one resource's nodes: they die young instead of being copied by the garbage collector.
/// Only the first occurrence of a key is handed over (a repeated key stays in the tree, to be reported).
/// </remarks>
internal sealed class TreeBuilder(string file, PolicyLimits limits, List<PolicyProblem> problems, Action<string, YNode>? onItem = null)
{
    static readonly HashSet<string> ListKeys = new(["teams", "groups", "people", "resources", "rules"], StringComparer.Ordinal);

    const int InternMaxLength = 48;
    const int PoolSize = 1 << 13;

    readonly List<YNode> open = [];        // the containers being filled, outermost first
    readonly List<int> frameStart = [];    // where each open container's children start in `children`
    readonly List<YNode> children = [];    // children of every open container, innermost last
    readonly string?[] pool = new string?[PoolSize];
    readonly HashSet<string> topKeys = new(StringComparer.Ordinal);
    int nodes;
    bool lastTopKeyIsFirst;
    YSeq? streamed;        // the top-level list whose items are being handed over
    string? streamedKey;

    public YNode? Root { get; private set; }
    public int Depth => open.Count;

    /// <summary>
    /// A shared instance for a short text seen before in the file (keys, tag values): a direct-mapped cache,
    /// so a hit costs a hash and a compare, a miss just takes the slot, and hostile input cannot grow it.
    /// </summary>
    public string Intern(string value)
    {
        if (value.Length > InternMaxLength) return value;
        var hash = 2166136261u;
        foreach (var c in value) hash = (hash ^ c) * 16777619u;
        ref var slot = ref pool[hash & (PoolSize - 1)];
        if (slot is not null && string.Equals(slot, value, StringComparison.Ordinal)) return slot;
        return slot = value;
    }

    /// <summary>The shared text for UTF-8 bytes that need no unescaping, allocating only on a miss.</summary>
    public string Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > InternMaxLength || !Ascii.IsValid(utf8)) return Encoding.UTF8.GetString(utf8);
        var hash = 2166136261u; // the same hash as for the same text as a string
        foreach (var b in utf8) hash = (hash ^ b) * 16777619u;
        ref var slot = ref pool[hash & (PoolSize - 1)];
        if (slot is not null && Ascii.Equals(utf8, slot)) return slot;
        return slot = Encoding.ASCII.GetString(utf8);
    }

    public bool Scalar(YScalar scalar) => Add(scalar);

    /// <summary>Starts a mapping or list; false (with a problem) when it is too deep or over the node limit.</summary>
    /// <param name="syntax">"YAML" or "JSON", for the problem's message.</param>
    public bool Open(YNode container, string syntax)
    {
        if (open.Count >= limits.MaxDepth)
        {
            problems.Add(new PolicyProblem(file, container.Line, container.Column, "too-deep", $"The {syntax} is nested more than {limits.MaxDepth} levels deep."));
            return false;
        }
        if (!Add(container)) return false;
        open.Add(container);
        frameStart.Add(children.Count);
        return true;
    }

    /// <summary>Ends the innermost open container.</summary>
    public void Close()
    {
        if (open.Count == 0) return;
        var top = open.Count - 1;
        var container = open[top];
        var start = frameStart[top];
        var count = children.Count - start;
        open.RemoveAt(top);
        frameStart.RemoveAt(top);
        if (container is YSeq seq)
        {
            var items = new YNode[count];
            children.CopyTo(start, items, 0, count);
            seq.Items = items;
        }
        else if (container is YMap map)
        {
            // Children alternate key, value; a key without its value (a cut-off file) is dropped.
            var pairs = new KeyValuePair<YScalar, YNode>[count / 2];
            for (var i = 0; i < pairs.Length; i++)
                pairs[i] = new((YScalar)children[start + 2 * i], children[start + 2 * i + 1]);
            map.Pairs = pairs;
        }
        children.RemoveRange(start, count);
        if (open.Count == 0) Root = container;
        if (ReferenceEquals(container, streamed)) streamed = null;
        else if (streamed is not null && open.Count > 0 && ReferenceEquals(open[^1], streamed)) onItem!(streamedKey!, container);
    }

    bool Add(YNode node)
    {
        if (++nodes > limits.MaxNodesPerFile)
        {
            problems.Add(new PolicyProblem(file, node.Line, node.Column, "too-large",
                $"The file has more than {limits.MaxNodesPerFile} nodes; split it into smaller files."));
            return false;
        }
        if (open.Count == 0)
        {
            if (node is YScalar) Root = node;
            return true;
        }
        var parent = open[^1];
        if (streamed is not null && ReferenceEquals(parent, streamed))
        {
            if (node is YScalar) onItem!(streamedKey!, node); // lists and mappings are handed over when they end
            return true;
        }
        if (parent is YMap)
        {
            var atKey = (children.Count - frameStart[^1]) % 2 == 0;
            if (atKey && node is not YScalar)
            {
                // A key that is itself a list or mapping (YAML allows it; policies do not).
                problems.Add(new PolicyProblem(file, node.Line, node.Column, "bad-type", "Mapping keys must be plain text."));
                children.Add(new YScalar(node.Line, node.Column, "\0invalid-key", false)); // the node itself is left out
                return true;
            }
            if (open.Count == 1 && onItem is not null)
            {
                if (atKey) lastTopKeyIsFirst = topKeys.Add(((YScalar)node).Value);
                else if (node is YSeq seq && lastTopKeyIsFirst && children[^1] is YScalar key && ListKeys.Contains(key.Value))
                    (streamed, streamedKey) = (seq, key.Value);
            }
        }
        children.Add(node);
        return true;
    }
}

/// <summary>
/// Reads YAML text into <see cref="YNode"/>s from the parser's events, keeping line and column, enforcing
/// <see cref="PolicyLimits"/>, and refusing aliases (so anchors can never expand into a "billion laughs").
/// Never throws: problems are reported and the (possibly partial) tree is returned.
/// </summary>
internal static class YamlTree
{
    /// <param name="onItem">When given, receives each item of the top-level lists instead of the tree (see <see cref="TreeBuilder"/>).</param>
    public static YNode? Parse(string text, string file, PolicyLimits limits, List<PolicyProblem> problems, Action<string, YNode>? onItem = null)
    {
        var parser = new Parser(new StringReader(text));
        var tree = new TreeBuilder(file, limits, problems, onItem);
        var documents = 0;
        var aliasReported = false;
        try
        {
            while (parser.MoveNext())
            {
                var ev = parser.Current!;
                switch (ev)
                {
                    case Scalar scalar:
                        if (scalar.Value.Length > limits.MaxScalarLength)
                        {
                            problems.Add(Problem(file, ev.Start, "too-large",
                                $"This value is {scalar.Value.Length} characters long; the limit is {limits.MaxScalarLength}."));
                            return tree.Root;
                        }
                        if (!tree.Scalar(new YScalar(L(ev.Start.Line), L(ev.Start.Column), tree.Intern(scalar.Value), scalar.Style == ScalarStyle.Plain)))
                            return tree.Root;
                        break;
                    case MappingStart:
                        if (!tree.Open(new YMap(L(ev.Start.Line), L(ev.Start.Column)), "YAML")) return tree.Root;
                        break;
                    case SequenceStart:
                        if (!tree.Open(new YSeq(L(ev.Start.Line), L(ev.Start.Column)), "YAML")) return tree.Root;
                        break;
                    case MappingEnd:
                    case SequenceEnd:
                        tree.Close();
                        break;
                    case DocumentStart:
                        documents++;
                        if (documents > 1)
                        {
                            problems.Add(Problem(file, ev.Start, "bad-yaml", "A policy file holds one YAML document; split the others into their own files."));
                            return tree.Root;
                        }
                        break;
                    case AnchorAlias alias:
                        if (!aliasReported)
                        {
                            problems.Add(Problem(file, ev.Start, "yaml-alias",
                                $"YAML aliases (*{alias.Value}) are not allowed in policy files; write the value out."));
                            aliasReported = true;
                        }
                        if (!tree.Scalar(new YScalar(L(ev.Start.Line), L(ev.Start.Column), "", true))) return tree.Root;
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
        return tree.Root;
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
