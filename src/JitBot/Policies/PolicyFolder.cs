using System.Text;
using System.Text.Unicode;

namespace JitBot.Policies;

/// <summary>A file found in a policy folder: its path as reached from the folder ('/'-separated), its real path, and what it was.</summary>
internal sealed record FolderFile(string Relative, string Full, DiskEntry Entry);

/// <summary>
/// Finds and reads the files of a policy folder without trusting it: the loader, the policy tests and the
/// reload check all go through here. Only regular files are read (a named pipe or a device is a problem, never
/// opened), no more bytes are read than the limits allow whatever the file claims its size is, links are
/// followed only while they stay inside the folder and never back into it, and the walk is bounded in depth
/// and in the number of entries. Everything that is not read is a problem naming its path.
/// </summary>
internal static class PolicyFolder
{
    /// <summary>Whether a file name is a policy file (<c>.yaml</c>, <c>.yml</c>, <c>.json</c>) or, with <paramref name="tests"/>, a policy test file (<c>.test.yaml</c>, …).</summary>
    public static bool Wanted(string name, bool tests) => IsPolicyOrTestFile(name) && IsTestFile(name) == tests;

    static bool IsTestFile(string name) =>
        name.EndsWith(".test.yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".test.yml", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".test.json", StringComparison.OrdinalIgnoreCase);

    static bool IsPolicyOrTestFile(string name) =>
        name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The policy files (or, with <paramref name="tests"/>, the test files) under <paramref name="directory"/>
    /// in ordinal order of their relative paths, or null when the folder cannot be used at all. Whatever is
    /// skipped is added to <paramref name="problems"/>.
    /// </summary>
    public static List<FolderFile>? Files(string directory, bool tests, PolicyLimits limits, List<PolicyProblem> problems)
    {
        string? root;
        DiskKind kind;
        try
        {
            root = FolderWalk.RealPath(directory);
            kind = root is null ? DiskKind.Missing : DiskEntry.Of(root).Kind;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(PolicyProblem.Whole(".", "no-policy-files", $"The policy folder \"{directory}\" cannot be reached: {e.Message}"));
            return null;
        }
        if (kind != DiskKind.Folder)
        {
            problems.Add(PolicyProblem.Whole(".", "no-policy-files", kind switch
            {
                DiskKind.Missing => $"The policy folder \"{directory}\" does not exist.",
                DiskKind.File => $"\"{directory}\" is a file; the policy is the folder that holds the policy files.",
                _ => $"\"{directory}\" is not a folder; the policy is the folder that holds the policy files.",
            }));
            return null;
        }
        var walk = new FolderWalk(root!, tests, limits, problems);
        if (!walk.Run()) return null;
        var files = walk.Files;
        if (files.Count > limits.MaxFiles)
        {
            problems.Add(PolicyProblem.Whole(".", "too-large", $"The policy has {files.Count} {(tests ? "test " : "")}files; the limit is {limits.MaxFiles}."));
            return null;
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Relative, b.Relative));
        return files;
    }

    /// <summary>
    /// What the policy files are now (names, sizes, write and change times, identities) and what is wrong with
    /// the folder: it changes whenever a reload could give a different result. Bounded like <see cref="Files"/>.
    /// </summary>
    public static string Fingerprint(string directory, PolicyLimits limits)
    {
        var problems = new List<PolicyProblem>();
        var sb = new StringBuilder();
        foreach (var f in Files(directory, tests: false, limits, problems) ?? [])
            sb.Append(f.Relative).Append('|').Append(f.Full).Append('|').Append(f.Entry.Stamp).Append('\n');
        foreach (var p in problems) sb.Append(p.Format()).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// The bytes of a policy or test file when it is a regular file within the limits and is UTF-8 text
    /// without NUL bytes; otherwise null and a problem. <paramref name="total"/> counts what all files read.
    /// </summary>
    public static byte[]? ReadText(FolderFile file, PolicyLimits limits, ref long total, List<PolicyProblem> problems)
    {
        var relative = file.Relative;
        try
        {
            // Asked again just before opening: the folder may have changed since the walk.
            var entry = DiskEntry.Of(file.Full);
            if (entry.Kind != DiskKind.File)
            {
                problems.Add(NotAFile(relative, entry));
                return null;
            }
            if (entry.Size > limits.MaxFileBytes)
            {
                problems.Add(TooLarge(relative, limits));
                return null;
            }
            if (total + entry.Size > limits.MaxTotalBytes)
            {
                problems.Add(PolicyProblem.Whole(relative, "too-large", $"The policy files together exceed {limits.MaxTotalBytes / (1024 * 1024)} MiB."));
                return null;
            }
            byte[]? bytes;
            using (var stream = new FileStream(file.Full, new FileStreamOptions
                   {
                       Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete,
                       BufferSize = 0, Options = FileOptions.SequentialScan,
                   }))
                bytes = ReadAtMost(stream, entry.Size, limits.MaxFileBytes);
            if (bytes is null)
            {
                problems.Add(TooLarge(relative, limits));
                return null;
            }
            total += bytes.Length;
            if (total > limits.MaxTotalBytes)
            {
                problems.Add(PolicyProblem.Whole(relative, "too-large", $"The policy files together exceed {limits.MaxTotalBytes / (1024 * 1024)} MiB."));
                return null;
            }
            if (!Utf8.IsValid(bytes))
            {
                var (line, column) = Position(bytes, FirstInvalidUtf8(bytes));
                problems.Add(new PolicyProblem(relative, line, column, "bad-yaml", "The file is not UTF-8 text (from here on); policy files are UTF-8."));
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
            problems.Add(PolicyProblem.Whole(relative, "unreadable", $"The file could not be read: {e.Message}"));
            return null;
        }
    }

    /// <summary>Text read by <see cref="ReadText"/> (valid UTF-8) as a string, without a byte order mark.</summary>
    public static string Decode(byte[] utf8)
    {
        var span = utf8.AsSpan();
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) span = span[3..];
        return Encoding.UTF8.GetString(span);
    }

    /// <summary>
    /// At most <paramref name="max"/> bytes of a stream, or null when it holds more. <paramref name="expected"/>
    /// (the size the file system reported) only sizes the first buffer: a file that grows, or a device that
    /// reports 0 and never ends, is read no further than one byte past the limit.
    /// </summary>
    internal static byte[]? ReadAtMost(Stream stream, long expected, long max)
    {
        var buffer = new byte[(int)Math.Clamp(expected, 0, max)];
        var n = Fill(stream, buffer, 0);
        if (n < buffer.Length) return buffer.AsSpan(0, n).ToArray();
        Span<byte> probe = stackalloc byte[1];
        if (stream.Read(probe) == 0) return buffer;
        if (buffer.Length >= max) return null;
        var limit = (int)max + 1;
        var grown = new byte[Math.Min(limit, Math.Max(buffer.Length * 2, 4096))];
        buffer.CopyTo(grown, 0);
        grown[n++] = probe[0];
        while (true)
        {
            n = Fill(stream, grown, n);
            if (n < grown.Length) break;
            if (grown.Length >= limit) return null;
            Array.Resize(ref grown, (int)Math.Min(limit, grown.Length * 2L));
        }
        return grown.AsSpan(0, n).ToArray();
    }

    static int Fill(Stream stream, byte[] buffer, int from)
    {
        while (from < buffer.Length)
        {
            var read = stream.Read(buffer, from, buffer.Length - from);
            if (read == 0) break;
            from += read;
        }
        return from;
    }

    static PolicyProblem TooLarge(string relative, PolicyLimits limits) =>
        PolicyProblem.Whole(relative, "too-large", $"The file is larger than {limits.MaxFileBytes / 1024} KiB, the most a policy file may be. Split it into several files.");

    /// <summary>The problem with a policy-named entry that is not a regular file (or is gone).</summary>
    public static PolicyProblem NotAFile(string relative, DiskEntry entry) => entry.Kind == DiskKind.Missing
        ? PolicyProblem.Whole(relative, "unreadable", "The file is gone, or is a link to something that does not exist.")
        : PolicyProblem.Whole(relative, "unreadable", $"This is {entry.What}, not a regular file, so it is not read. Policy files must be regular files: remove it, or rename it so that it does not end in .yaml, .yml or .json.");

    static int FirstInvalidUtf8(byte[] bytes)
    {
        var at = 0;
        while (at < bytes.Length && Rune.DecodeFromUtf8(bytes.AsSpan(at), out _, out var used) == System.Buffers.OperationStatus.Done) at += used;
        return at;
    }

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
}
