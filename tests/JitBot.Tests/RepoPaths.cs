namespace JitBot.Tests;

/// <summary>Finds files of the repository from a test's bin folder. Tests read nothing outside the repository.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Links are never followed: test data holds links that loop on purpose.</summary>
    static readonly EnumerationOptions NoLinks = new() { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };

    /// <summary>
    /// The repository's own files matching <paramref name="pattern"/> below the given top-level folders, without
    /// build output (bin, obj) and without following links.
    /// </summary>
    public static IEnumerable<string> SourceFiles(string pattern, params string[] folders) =>
        from folder in folders.Select(f => Of(f))
        where Directory.Exists(folder)
        from file in Directory.EnumerateFiles(folder, pattern, NoLinks)
        where !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") &&
              !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
        select file;


    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "JitBot.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("JitBot.sln not found above " + AppContext.BaseDirectory);
    }
}
