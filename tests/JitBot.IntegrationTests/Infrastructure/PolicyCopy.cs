namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>A copy of the example policy folder, edited by a test, deleted afterwards.</summary>
public sealed class PolicyCopy : IDisposable
{
    public PolicyCopy()
    {
        Dir = Directory.CreateTempSubdirectory("jitbot-policy-copy-").FullName;
        foreach (var file in Directory.EnumerateFiles(BotHost.PoliciesPath, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(Dir, Path.GetRelativePath(BotHost.PoliciesPath, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public string Dir { get; }

    /// <summary>Replaces text in one file; fails when the text is not there (so a changed example is noticed).</summary>
    public PolicyCopy Replace(string file, string find, string replace)
    {
        var path = Path.Combine(Dir, file);
        var text = File.ReadAllText(path);
        Assert.Contains(find, text);
        File.WriteAllText(path, text.Replace(find, replace));
        return this;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
