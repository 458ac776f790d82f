using JitBot.Audit;
using JitBot.Cli;
using JitBot.Storage;
using JitBot.Tests.Fakes;
using JitBot.Tests.Storage;

namespace JitBot.Tests.Audit;

public class AuditExportTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("=SUM(A1)", "'=SUM(A1)")]
    [InlineData("+1", "'+1")]
    [InlineData("-2", "'-2")]
    [InlineData("@cmd", "'@cmd")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("=x,\"y\"", "\"'=x,\"\"y\"\"\"")]
    [InlineData(null, "")]
    public void CsvCells_AreQuotedPerRfc4180_AndFormulasNeutralised(string? value, string cell) =>
        Assert.Equal(cell, AuditExport.Cell(value));

    [Fact]
    public async Task ARecentRange_ReadsTheLogFromADayBeforeIt_NotFromItsStart()
    {
        var now = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
        await using var database = new LiteDbTestDatabase();
        var store = database.Open(new OutboxSignal(), TimeProvider.System);
        try
        {
            await using (var tx = await store.BeginAsync(CancellationToken.None))
            {
                for (var i = 0; i < 1500; i++)
                    await tx.AppendAuditAsync(new AuditEvent("request.submitted", now.AddDays(-60).AddMinutes(i), "U1", $"old{i}", null, new Dictionary<string, string?>()), CancellationToken.None);
                for (var i = 0; i < 3; i++)
                    await tx.AppendAuditAsync(new AuditEvent("request.submitted", now.AddMinutes(-30 + i), "U1", $"new{i}", null, new Dictionary<string, string?>()), CancellationToken.None);
                await tx.CommitAsync(CancellationToken.None);
            }
            var reading = AuditReadingStore.Over(store);
            var range = TimeRange.Parse("1h", null, now);
            var output = new StringWriter();

            var written = await AuditExport.WriteAsync(reading.Store, range.Since, range.Contains, csv: false, output, CancellationToken.None);

            Assert.Equal(3, written);
            Assert.Equal(["new0", "new1", "new2"], reading.Read.Select(r => r.Event.RequestId));
        }
        finally
        {
            database.Close(store);
        }
    }

    [Fact]
    public void JsonLine_HasSeqHashAndPreviousHash_OnOneLine()
    {
        var e = new AuditEvent("request.submitted", DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), "U1", "r1", null,
            new Dictionary<string, string?> { ["reason"] = "multi\nline" });
        var hash = AuditChain.Hash(AuditChain.Genesis, 1, e);
        var line = AuditExport.JsonLine(new AuditRecord(1, e, AuditChain.Genesis, hash));
        Assert.EndsWith("\n", line);
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"seq\":1", line);
        Assert.Contains($"\"prev_hash\":\"{AuditChain.Genesis}\"", line);
        Assert.Contains($"\"hash\":\"{hash}\"", line);
    }
}

public class TimeRangeTests
{
    static readonly DateTimeOffset Now = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RelativeDatesAndIsoTimes_AreRead()
    {
        Assert.Equal(Now.AddDays(-30), TimeRange.Parse("30d", null, Now).Since);
        Assert.Equal(Now.AddHours(-12), TimeRange.Parse("12h", "now", Now).Since);
        Assert.Equal(Now, TimeRange.Parse("2w", "now", Now).Until);
        Assert.Equal(new DateTimeOffset(2026, 3, 4, 0, 0, 0, TimeSpan.Zero), TimeRange.Parse("2026-03-04", null, Now).Since);
        Assert.Equal(new DateTimeOffset(2026, 3, 4, 11, 0, 0, TimeSpan.Zero), TimeRange.Parse(null, "2026-03-04T11:00:00Z", Now).Until);
        Assert.Equal(TimeRange.All, TimeRange.Parse(null, null, Now));
    }

    [Theory]
    [InlineData("2027-01-01", null, "in the future")]
    [InlineData("yesterday", null, "is neither")]
    [InlineData("2026-03-05", "2026-03-04", "is not after --since")]
    public void BadRanges_AreRefusedWithASentence(string? since, string? until, string expected)
    {
        var e = Assert.Throws<FormatException>(() => TimeRange.Parse(since, until, Now));
        Assert.Contains(expected, e.Message);
    }
}
