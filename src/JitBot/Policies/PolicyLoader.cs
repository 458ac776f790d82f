using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace JitBot.Policies;

/// <summary>
/// Loads a policy folder: every <c>*.yaml</c>/<c>*.yml</c>/<c>*.json</c> file below it (except policy tests,
/// <c>*.test.yaml</c>/<c>*.test.json</c>, and hidden files and folders), read in a stable order, checked in one pass. Never
/// throws for anything in the files; a folder with any error gives no snapshot.
/// </summary>
public static class PolicyLoader
{
    public static PolicyLoadResult Load(string directory) => Load(directory, PolicyLimits.Default);

    /// <param name="providerTypes">
    /// The provider types the bot has: a resource naming any other is an <c>unknown-provider</c> error. Null
    /// accepts every type (for tests and generated policies; the bot and the tools always pass them).
    /// </param>
    public static PolicyLoadResult Load(string directory, PolicyLimits limits, IReadOnlyCollection<string>? providerTypes = null)
    {
        var problems = new List<PolicyProblem>();
        var files = PolicyFolder.Files(directory, tests: false, limits, problems);
        if (files is null) return new PolicyLoadResult(null, problems);
        if (files.Count == 0 && problems.Count == 0)
        {
            problems.Add(PolicyProblem.Whole(".", "no-policy-files", $"There are no policy files (.yaml, .yml or .json) in {directory}."));
            return new PolicyLoadResult(null, problems);
        }

        // Read and hash in order (each file's bytes are read once), then parse the files in parallel, costliest
        // first so two cores finish together, each into its own part; then put the parts together in file
        // order so the result never depends on scheduling.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        var contents = new byte[]?[files.Count];
        // Per file: what stopped it being read or parsed, and what is wrong inside it.
        var readProblems = new List<PolicyProblem>[files.Count];
        var ownProblems = new List<PolicyProblem>[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            readProblems[i] = [];
            ownProblems[i] = [];
            var bytes = contents[i] = PolicyFolder.ReadText(files[i], limits, ref total, readProblems[i]);
            if (bytes is null) continue;
            hash.AppendData(Encoding.UTF8.GetBytes(files[i].Relative));
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
                var parser = new PolicyParser(relative, ownProblems[i], providerTypes);
                Action<string, YNode> onItem = (list, item) => parser.ReadItem(list, item, part);
                var root = IsJson(relative)
                    ? JsonTree.Parse(bytes, relative, limits, readProblems[i], onItem)
                    : YamlTree.Parse(PolicyFolder.Decode(bytes), relative, limits, readProblems[i], onItem);
                contents[i] = null;
                if (readProblems[i].Count > 0)
                {
                    ownProblems[i].Clear();
                    return;
                }
                parser.ReadFile(root, part);
                parts[i] = part;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                readProblems[i].Add(new PolicyProblem(relative, 1, 1, "internal-error", $"The file could not be checked ({e.GetType().Name}: {e.Message}). Please report this."));
            }
        });

        // A file that could not be read (or parsed) leaves the policy incomplete: what the checks across files
        // would say (unknown teams, missing groups, rules that match nothing) would only be its echo. Its own
        // problem is reported first, with the other files' own problems, and the checks across files wait.
        if (problems.Count > 0 || readProblems.Any(list => list.Count > 0))
        {
            var unread = problems.Concat(readProblems.SelectMany(list => list));
            return new PolicyLoadResult(null, [.. Ordered(unread), .. Ordered(ownProblems.SelectMany(list => list))]) { PartlyRead = true };
        }

        var model = new PolicyModel();
        for (var i = 0; i < files.Count; i++)
        {
            problems.AddRange(ownProblems[i]);
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
        var ordered = Ordered(problems);
        return new PolicyLoadResult(ordered.Any(p => p.IsError) ? null : snapshot, ordered);
    }

    /// <summary>By file, then place (a problem with the whole file first).</summary>
    static PolicyProblem[] Ordered(IEnumerable<PolicyProblem> problems) => problems
        .OrderBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.Line).ThenBy(p => p.Column).ThenBy(p => p.Code, StringComparer.Ordinal)
        .ToArray();

    static bool IsJson(string name) => name.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
}
