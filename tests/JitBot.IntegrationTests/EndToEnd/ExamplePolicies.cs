using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>Copies of the example policy folder with one resource handed to another provider.</summary>
public static class ExamplePolicies
{
    /// <summary>A temporary copy of the examples in which <paramref name="resourceId"/>'s provider line is <paramref name="provider"/>.</summary>
    public static string CopyWithProvider(string resourceId, string provider)
    {
        var target = Directory.CreateTempSubdirectory("jitbot-policies-").FullName;
        foreach (var file in Directory.EnumerateFiles(BotHost.PoliciesPath, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(BotHost.PoliciesPath, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        var resources = Path.Combine(target, "resources.yaml");
        var lines = File.ReadAllLines(resources).ToList();
        var at = lines.FindIndex(l => l.Trim() == $"- id: {resourceId}");
        var line = lines.FindIndex(at, l => l.TrimStart().StartsWith("provider:", StringComparison.Ordinal));
        lines[line] = "    provider: " + provider;
        File.WriteAllLines(resources, lines);
        return target;
    }
}
