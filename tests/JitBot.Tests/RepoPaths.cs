namespace JitBot.Tests;

/// <summary>Finds files of the repository (and the shared reference folder beside it) from a test's bin folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The reference folder that sits beside the checkout (../shared).</summary>
    public static string Shared(params string[] parts) => Path.GetFullPath(Path.Combine([Root, "..", "shared", .. parts]));

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "JitBot.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("JitBot.sln not found above " + AppContext.BaseDirectory);
    }
}
