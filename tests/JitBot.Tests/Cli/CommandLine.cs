using JitBot.Cli;
using JitBot.Tests.Policies;

namespace JitBot.Tests.Cli;

/// <summary>Runs the <c>jitbot</c> command line in-process and captures what it prints.</summary>
public static class CommandLine
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = JitBotCommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A copy of the example policy with one more file.</summary>
    public static TempPolicy ExamplesPlus(string file, string text)
    {
        var copy = TempPolicy.CopyOf(Policy.ExamplesDir);
        copy.Write(file, text);
        return copy;
    }

    /// <summary>A copy of the example policy with one file edited; the text to replace must be there, so a test cannot quietly test nothing.</summary>
    public static TempPolicy ExamplesWith(string file, string find, string replace)
    {
        var copy = TempPolicy.CopyOf(Policy.ExamplesDir);
        var path = Path.Combine(copy.Dir, file);
        var text = File.ReadAllText(path);
        Assert.Contains(find, text);
        File.WriteAllText(path, text.Replace(find, replace));
        return copy;
    }
}
