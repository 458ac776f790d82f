using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace JitBot.Policies;

/// <summary>
/// Loads a policy folder: every <c>*.yaml</c>/<c>*.yml</c>/<c>*.json</c> file below it (except policy tests,
/// <c>*.test.yaml</c>/<c>*.test.json</c>, and hidden files and folders), read in a stable order, checked in one pass. Never
/// throws for anything in the files; a folder with any error gives no snapshot.
/// </summary>
public static class PolicyLoader
{
    public static PolicyLoadResult Load(string directory) => Load(directory, PolicyLimits.Default);

    public static PolicyLoadResult Load(string directory, PolicyLimits limits)
    {
        var problems = new List<PolicyProblem>();
        var files = PolicyFiles(directory, tests: false, problems);
        if (files is null) return new PolicyLoadResult(null, problems);
        if (files.Count == 0)
        {
            problems.Add(new PolicyProblem(".", 1, 1, "no-policy-files", $"There are no policy files (.yaml, .yml or .json) in {directory}."));
            return new PolicyLoadResult(null, problems);
        }
        if (files.Count > limits.MaxFiles)
        {
            problems.Add(new PolicyProblem(".", 1, 1, "too-large", $"The policy has {files.Count} files; the limit is {limits.MaxFiles}."));
            return new PolicyLoadResult(null, problems);
        }

        // Read and hash in order (each file's bytes are read once), then parse the files in parallel, costliest
        // first so two cores finish together, each into its own part; then put the parts together in file
        // order so the result never depends on scheduling.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        var contents = new byte[]?[files.Count];
        var readProblems = new List<PolicyProblem>[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            var (relative, full) = files[i];
            readProblems[i] = [];
            var bytes = contents[i] = ReadBytes(full, relative, limits, ref total, readProblems[i]);
            if (bytes is null) continue;
            hash.AppendData(Encoding.UTF8.GetBytes(relative));
            hash.AppendData([0]);
            hash.AppendData(BitConverter.GetBytes((long)bytes.Length));
            hash.AppendData(bytes);
        }
        var parts = new PolicyModel[files.Count];
        // Costliest first: YAML takes several times longer per byte than JSON, so it is weighed accordingly.
        var order = Enumerable.Range(0, files.Count)
            .OrderByDescending(i => (long)(contents[i]?.Length ?? 0) * (IsJson(files[i].Relative) ? 1 : 8)).ThenBy(i => i).ToArray();
        Parallel.ForEach(Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
        {
            parts[i] = new PolicyModel();
            if (contents[i] is not { } bytes) return;
            var relative = files[i].Relative;
            try
            {
                // List items are read into the model while the file is parsed (so their nodes die young);
                // a file that turns out to be malformed contributes nothing but its syntax problem.
                var part = new PolicyModel();
                var itemProblems = new List<PolicyProblem>();
                var parser = new PolicyParser(relative, itemProblems);
                Action<string, YNode> onItem = (list, item) => parser.ReadItem(list, item, part);
                var root = IsJson(relative)
                    ? JsonTree.Parse(bytes, relative, limits, readProblems[i], onItem)
                    : YamlTree.Parse(Text(bytes), relative, limits, readProblems[i], onItem);
                contents[i] = null;
                if (root is null && readProblems[i].Count > 0) return;
                parser.ReadFile(root, part);
                readProblems[i].AddRange(itemProblems);
                parts[i] = part;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                readProblems[i].Add(new PolicyProblem(relative, 1, 1, "internal-error", $"The file could not be checked ({e.GetType().Name}: {e.Message}). Please report this."));
            }
        });

        var model = new PolicyModel();
        for (var i = 0; i < files.Count; i++)
        {
            problems.AddRange(readProblems[i]);
            var part = parts[i];
            if (part.SettingsAt is { } at)
            {
                if (model.SettingsAt is { } first)
                    problems.Add(new PolicyProblem(at.File, at.Line, at.Column, "duplicate-id",
                        $"The `policy` settings are already given at {first.File}:{first.Line}:{first.Column}; keep them in one file."));
                else
                {
                    model.Settings = part.Settings;
                    model.SettingsAt = at;
                }
            }
            model.Teams.AddRange(part.Teams);
            model.Groups.AddRange(part.Groups);
            model.People.AddRange(part.People);
            model.Resources.AddRange(part.Resources);
            model.Rules.AddRange(part.Rules);
        }
        model.Version = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
        return Finish(model, problems);
    }

    /// <summary>Checks and indexes a model built in memory (generators, tests).</summary>
    internal static PolicyLoadResult Compile(PolicyModel model, List<PolicyProblem>? problems = null)
    {
        problems ??= [];
        return Finish(model, problems);
    }

    static PolicyLoadResult Finish(PolicyModel model, List<PolicyProblem> problems)
    {
        PolicySnapshot? snapshot;
        try
        {
            snapshot = PolicyCompiler.Compile(model, problems);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A defect in the checks must not take the bot down or let a policy in: refuse it, loudly.
            // (Name the defect itself, not the parallel loop that carried it.)
            if (e is AggregateException { InnerExceptions.Count: 1 } one) e = one.InnerExceptions[0];
            problems.Add(new PolicyProblem(".", 1, 1, "internal-error", $"The policy could not be checked ({e.GetType().Name}: {e.Message}). Please report this."));
            snapshot = null;
        }
        var ordered = problems
            .OrderBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.Line).ThenBy(p => p.Column).ThenBy(p => p.Code, StringComparer.Ordinal)
            .ToArray();
        return new PolicyLoadResult(ordered.Any(p => p.IsError) ? null : snapshot, ordered);
    }

    /// <summary>The file's bytes when it is within the limits and is UTF-8 text without NUL bytes; otherwise a problem.</summary>
    static byte[]? ReadBytes(string full, string relative, PolicyLimits limits, ref long total, List<PolicyProblem> problems)
    {
        try
        {
            var length = new FileInfo(full).Length;
            if (length > limits.MaxFileBytes)
            {
                problems.Add(new PolicyProblem(relative, 1, 1, "too-large",
                    $"The file is {length / 1024} KiB; a policy file may be at most {limits.MaxFileBytes / 1024} KiB. Split it into several files."));
                return null;
            }
            total += length;
            if (total > limits.MaxTotalBytes)
            {
                problems.Add(new PolicyProblem(relative, 1, 1, "too-large", $"The policy files together exceed {limits.MaxTotalBytes / (1024 * 1024)} MiB."));
                return null;
            }
            var bytes = File.ReadAllBytes(full);
            if (bytes.Length > limits.MaxFileBytes) // grew while we looked
            {
                problems.Add(new PolicyProblem(relative, 1, 1, "too-large", "The file changed size while it was read; try again."));
                return null;
            }
            if (!Utf8.IsValid(bytes))
            {
                problems.Add(new PolicyProblem(relative, 1, 1, "bad-yaml", "The file is not UTF-8 text."));
                return null;
            }
            var nul = bytes.AsSpan().IndexOf((byte)0);
            if (nul >= 0)
            {
                var (line, column) = Position(bytes, nul);
                problems.Add(new PolicyProblem(relative, line, column, "bad-yaml", "The file contains binary data (a NUL byte); policy files are UTF-8 text."));
                return null;
            }
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new PolicyProblem(relative, 1, 1, "unreadable", $"The file could not be read: {e.Message}"));
            return null;
        }
    }

    /// <summary>Valid UTF-8 as text, without a byte order mark.</summary>
    static string Text(byte[] utf8)
    {
        var span = utf8.AsSpan();
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) span = span[3..];
        return Encoding.UTF8.GetString(span);
    }

    static bool IsJson(string name) => name.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Line and column (in characters) of a byte offset in UTF-8 text.</summary>
    static (int Line, int Column) Position(byte[] utf8, int index)
    {
        var before = utf8.AsSpan(0, index);
        var lastNewline = before.LastIndexOf((byte)'\n');
        var line = 1 + before.Count((byte)'\n');
        var column = 1;
        foreach (var b in before[(lastNewline + 1)..])
            if ((b & 0xC0) != 0x80) column++;
        return (line, column);
    }

    /// <summary>Policy files (or, with <paramref name="tests"/>, test files) under a folder, as (relative, full) paths in ordinal order.</summary>
    internal static List<(string Relative, string Full)>? PolicyFiles(string directory, bool tests, List<PolicyProblem> problems)
    {
        if (!Directory.Exists(directory))
        {
            problems.Add(new PolicyProblem(".", 1, 1, "no-policy-files", $"The policy folder \"{directory}\" does not exist."));
            return null;
        }
        var root = Path.GetFullPath(directory);
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            MaxRecursionDepth = 16,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
        };
        var list = new List<(string, string)>();
        foreach (var full in Directory.EnumerateFiles(root, "*", options))
        {
            var relative = Path.GetRelativePath(root, full).Replace('\\', '/');
            if (relative.Split('/').Any(part => part.StartsWith('.'))) continue;
            var name = Path.GetFileName(full);
            var isPolicy = name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ||
                           name.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
            if (!isPolicy) continue;
            var isTest = name.EndsWith(".test.yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".test.yml", StringComparison.OrdinalIgnoreCase) ||
                         name.EndsWith(".test.json", StringComparison.OrdinalIgnoreCase);
            if (isTest == tests) list.Add((relative, full));
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return list;
    }
}
