namespace JitBot.Tests.Cli;

public sealed class ReportCommandTests
{
    [Fact]
    public void SinceInTheFuture_IsOneSentence_AndExitsTwo()
    {
        var (code, stdout, stderr) = CommandLine.Run("report", "--since", "2999-01-01", "--store", "litedb", "--connection", "/nonexistent/jitbot.db");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(CommandLine.Lines(stderr));
        Assert.Contains("in the future", line);
    }

    [Fact]
    public void NoDatabase_SaysWhere_AndExitsOne_WritingNothing()
    {
        var folder = Directory.CreateTempSubdirectory("jitbot-report-cli-").FullName;
        try
        {
            var out_ = Path.Combine(folder, "report.html");
            var (code, _, stderr) = CommandLine.Run("report", "--since", "30d", "--store", "litedb", "--connection", Path.Combine(folder, "missing.db"), "--out", out_);
            Assert.Equal(1, code);
            Assert.Contains("There is no LiteDB database", stderr);
            Assert.False(File.Exists(out_));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Help_ListsTheOptions()
    {
        var (code, stdout, _) = CommandLine.Run("report", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--since", "--until", "--out", "--csv", "--store", "--connection" })
            Assert.Contains(option, stdout);
    }
}
