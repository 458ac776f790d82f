namespace JitBot.Tests;

/// <summary>Finds files of the repository from a test's bin folder. Tests read nothing outside the repository.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);


    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "JitBot.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("JitBot.sln not found above " + AppContext.BaseDirectory);
    }
}
