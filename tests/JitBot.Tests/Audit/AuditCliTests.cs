using JitBot.Storage;
using JitBot.Storage.LiteDb;
using JitBot.Tests.Cli;

namespace JitBot.Tests.Audit;

/// <summary><c>jitbot audit</c> on an empty log and with bad input (the recorded-flow and tampering cases are in the integration tests).</summary>
public sealed class AuditCliTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("jitbot-auditcli-").FullName;
    string Db => Path.Combine(dir, "jitbot.db");

    public AuditCliTests()
    {
        using var store = new LiteDbAccessStore(Db, new OutboxSignal(), TimeProvider.System);
        store.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void EmptyLog_IsIntact_AndSaysSo()
    {
        var (code, output, _) = CommandLine.Run("audit", "verify", "--connection", Db);
        Assert.Equal(0, code);
        Assert.Contains("The audit log is empty: 0 events", output);
        Assert.Contains("No checkpoint at", output);
    }

    [Fact]
    public void EmptyLog_ExportsAHeaderOnly_OrNothing()
    {
        var csv = CommandLine.Run("audit", "export", "--connection", Db, "--format", "csv");
        Assert.Equal(0, csv.Code);
        Assert.Equal("seq,at,kind,actor,request,grant,data,prev_hash,hash", csv.Out.Trim());
        var jsonl = CommandLine.Run("audit", "export", "--connection", Db);
        Assert.Equal(0, jsonl.Code);
        Assert.Equal("", jsonl.Out);
        Assert.Contains("No audit events", jsonl.Err);
    }

    [Theory]
    [InlineData("audit")]
    [InlineData("audit", "verify", "--checkpoint", "/nonexistent/checkpoint.json")]
    [InlineData("audit", "export", "--since", "2999-01-01")]
    [InlineData("audit", "export", "--format", "xml")]
    [InlineData("audit", "verify", "--connection", "/nonexistent/jitbot.db")]
    [InlineData("audit", "verify", "--store", "oracle")]
    public void BadInput_IsAUsageError_WithASentence(params string[] args)
    {
        var (code, _, err) = CommandLine.Run(args.Contains("--connection") || args.Length == 1 ? args : [.. args, "--connection", Db]);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
    }
}
