using System.Security.Cryptography;
using System.Text;

namespace JitBot.Policies;

/// <summary>
/// Loads a policy folder: every <c>*.yaml</c>/<c>*.yml</c> file below it (except policy tests,
/// <c>*.test.yaml</c>, and hidden files and folders), read in a stable order, checked in one pass. Never
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
            problems.Add(new PolicyProblem(".", 1, 1, "no-policy-files", $"There are no .yaml policy files in {directory}."));
            return new PolicyLoadResult(null, problems);
        }
        if (files.Count > limits.MaxFiles)
        {
            problems.Add(new PolicyProblem(".", 1, 1, "too-large", $"The policy has {files.Count} files; the limit is {limits.MaxFiles}."));
            return new PolicyLoadResult(null, problems);
        }

        // Read and hash in order, then parse the files in parallel (each into its own part), then put the
        // parts together in file order so the result never depends on scheduling.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        var texts = new string?[files.Count];
        var readProblems = new List<PolicyProblem>[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            var (relative, full) = files[i];
            readProblems[i] = [];
            texts[i] = ReadText(full, relative, limits, ref total, readProblems[i], out var bytes);
            if (bytes is null) continue;
            hash.AppendData(Encoding.UTF8.GetBytes(relative));
            hash.AppendData([0]);
            hash.AppendData(BitConverter.GetBytes((long)bytes.Length));
            hash.AppendData(bytes);
        }
        var parts = new PolicyModel[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
        {
            var part = parts[i] = new PolicyModel();
            if (texts[i] is not { } text) return;
            var relative = files[i].Relative;
            try
            {
                var root = YamlTree.Parse(text, relative, limits, readProblems[i]);
                texts[i] = null;
                new PolicyParser(relative, readProblems[i]).ReadFile(root, part);
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
            problems.Add(new PolicyProblem(".", 1, 1, "internal-error", $"The policy could not be checked ({e.GetType().Name}: {e.Message}). Please report this."));
            snapshot = null;
        }
        var ordered = problems
            .OrderBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.Line).ThenBy(p => p.Column).ThenBy(p => p.Code, StringComparer.Ordinal)
            .ToArray();
        return new PolicyLoadResult(ordered.Any(p => p.IsError) ? null : snapshot, ordered);
    }

    static string? ReadText(string full, string relative, PolicyLimits limits, ref long total, List<PolicyProblem> problems, out byte[]? bytes)
    {
        bytes = null;
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
            bytes = File.ReadAllBytes(full);
            if (bytes.Length > limits.MaxFileBytes) // grew while we looked
            {
                problems.Add(new PolicyProblem(relative, 1, 1, "too-large", "The file changed size while it was read; try again."));
                return null;
            }
            var text = new UTF8Encoding(false, true).GetString(bytes);
            var nul = text.IndexOf('\0');
            if (nul >= 0)
            {
                var (line, column) = Position(text, nul);
                problems.Add(new PolicyProblem(relative, line, column, "bad-yaml", "The file contains binary data (a NUL byte); policy files are UTF-8 text."));
                return null;
            }
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException)
        {
            problems.Add(new PolicyProblem(relative, 1, 1, "bad-yaml", "The file is not UTF-8 text."));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new PolicyProblem(relative, 1, 1, "unreadable", $"The file could not be read: {e.Message}"));
            return null;
        }
    }

    static (int Line, int Column) Position(string text, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
            if (text[i] == '\n') { line++; lineStart = i + 1; }
        return (line, index - lineStart + 1);
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
            var isYaml = name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
            if (!isYaml) continue;
            var isTest = name.EndsWith(".test.yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".test.yml", StringComparison.OrdinalIgnoreCase);
            if (isTest == tests) list.Add((relative, full));
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return list;
    }
}
