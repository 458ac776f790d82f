using System.Globalization;

namespace JitBot.Policies;

/// <summary>
/// One walk of a policy folder (see <see cref="PolicyFolder"/>): depth first, entries in ordinal order,
/// hidden entries skipped, bounded in depth and in entries. A link is followed only when it stays inside
/// the folder; a folder link that leads back into a folder it is in, or into a folder already read, is a
/// problem rather than a second (or endless) reading of the same files.
/// </summary>
internal sealed class FolderWalk(string root, bool tests, PolicyLimits limits, List<PolicyProblem> problems)
{
    const int MaxLinksInAPath = 40;

    static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    readonly HashSet<string> entered = new(PathComparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
    int entries;

    public List<FolderFile> Files { get; } = [];

    /// <summary>False when the folder holds more entries than the limit (then nothing of it is used).</summary>
    public bool Run() => Folder(root, "", 0);

    bool Folder(string real, string relative, int depth)
    {
        entered.Add(real);
        List<FileSystemInfo> children = [];
        try
        {
            foreach (var child in new DirectoryInfo(real).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false }))
            {
                if (++entries > limits.MaxFolderEntries)
                {
                    problems.Add(PolicyProblem.Whole(".", "too-large",
                        $"The policy folder holds more than {limits.MaxFolderEntries.ToString("N0", CultureInfo.InvariantCulture)} files and folders, so none of it was read. Keep only the policy and its tests there."));
                    return false;
                }
                children.Add(child);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(PolicyProblem.Whole(relative.Length == 0 ? "." : relative, "unreadable", $"The folder could not be read: {e.Message}"));
            return true;
        }
        children.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var child in children)
        {
            if (child.Name.StartsWith('.')) continue; // hidden files and folders are not part of the policy
            var childRelative = relative.Length == 0 ? child.Name : relative + "/" + child.Name;
            try
            {
                var ok = (child.Attributes & FileAttributes.ReparsePoint) != 0
                    ? Link(child, real, childRelative, depth)
                    : child is DirectoryInfo
                        ? Subfolder(child.FullName, childRelative, depth + 1)
                        : AddFile(child.FullName, childRelative);
                if (!ok) return false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(PolicyProblem.Whole(childRelative, "unreadable", $"This could not be examined: {e.Message}"));
            }
        }
        return true;
    }

    bool Subfolder(string real, string relative, int depth)
    {
        if (depth <= limits.MaxFolderDepth) return Folder(real, relative, depth);
        problems.Add(PolicyProblem.Whole(relative, "too-deep", $"Folders are nested more than {limits.MaxFolderDepth} levels deep here; this folder is not read."));
        return true;
    }

    bool AddFile(string real, string relative)
    {
        if (!PolicyFolder.Wanted(Path.GetFileName(relative), tests)) return true;
        var entry = DiskEntry.Of(real);
        if (entry.Kind == DiskKind.File) Files.Add(new FolderFile(relative, real, entry));
        else problems.Add(PolicyFolder.NotAFile(relative, entry));
        return true;
    }

    bool Link(FileSystemInfo link, string containingFolder, string relative, int depth)
    {
        string? target;
        try
        {
            target = RealPath(link.FullName);
        }
        catch (LinkLoopException)
        {
            problems.Add(PolicyProblem.Whole(relative, "bad-link", "This link cannot be followed: it leads through more than 40 links (a loop). Remove it."));
            return true;
        }
        var entry = target is null ? default : DiskEntry.Of(target);
        if (entry.Kind != DiskKind.Folder)
        {
            // A link to a file: followed like a file when it stays inside the folder.
            if (!PolicyFolder.Wanted(link.Name, tests)) return true;
            if (target is null || entry.Kind == DiskKind.Missing)
                problems.Add(PolicyProblem.Whole(relative, "unreadable", "This is a link to something that does not exist."));
            else if (!IsWithin(target, root))
                problems.Add(Outside(relative, target));
            else if (entry.Kind != DiskKind.File)
                problems.Add(PolicyFolder.NotAFile(relative, entry));
            else
                Files.Add(new FolderFile(relative, target, entry));
            return true;
        }
        if (!IsWithin(target!, root))
        {
            problems.Add(Outside(relative, target!));
            return true;
        }
        var fromRoot = Path.GetRelativePath(root, target!).Replace('\\', '/');
        var hidden = fromRoot != "." && fromRoot.Split('/').Any(part => part.StartsWith('.'));
        string? refusal = null;
        if (IsWithin(containingFolder, target!))
            refusal = $"This link leads back to {Shown(fromRoot)}, a folder it is in, so following it would read the same files again and again. Remove it.";
        else if (!hidden)
            refusal = $"This link leads to {Shown(fromRoot)}, which is already part of the policy; its files are read once, from there. Remove the link.";
        else if (entered.Contains(target!))
            refusal = $"This link leads to {Shown(fromRoot)}, which is already read through another link; its files are read once. Remove one of the links.";
        if (refusal is not null)
        {
            problems.Add(PolicyProblem.Whole(relative, "bad-link", refusal));
            return true;
        }
        return Subfolder(target!, relative, depth + 1);
    }

    static string Shown(string fromRoot) => fromRoot == "." ? "the policy folder itself" : $"`{fromRoot}`";

    static PolicyProblem Outside(string relative, string target) => PolicyProblem.Whole(relative, "bad-link",
        $"This link leads outside the policy folder (to {target}); links are followed only while they stay inside it. Copy what it points to into the folder instead.");

    /// <summary>
    /// The path with every link in it resolved, as realpath(3) gives it; null when something on the way does
    /// not exist. Throws <see cref="LinkLoopException"/> when it goes through more than 40 links (a loop).
    /// </summary>
    internal static string? RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        Push(pending, full[current.Length..]);
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part is "" or ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Join(current, part);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (++links > MaxLinksInAPath) throw new LinkLoopException();
                if (Path.IsPathRooted(target))
                {
                    current = Path.GetPathRoot(target)!;
                    target = target[current.Length..];
                }
                Push(pending, target);
                continue;
            }
            if (!File.Exists(next) && !Directory.Exists(next)) return null;
            current = next;
        }
        return current;

        static void Push(Stack<string> pending, string relative)
        {
            var parts = relative.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]);
            for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
        }
    }

    sealed class LinkLoopException() : IOException("The path goes through more than 40 links (a loop).");

    static bool IsWithin(string path, string folder) =>
        path.Equals(folder, PathComparison) ||
        path.StartsWith(folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar, PathComparison);
}
