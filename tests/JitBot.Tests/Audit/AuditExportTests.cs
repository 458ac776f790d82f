using JitBot.Audit;
using JitBot.Cli;

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
