using System.Xml.Linq;
using JitBot.Audit;
using JitBot.Reports;
using static JitBot.Tests.Reports.AuditScript;

namespace JitBot.Tests.Reports;

public sealed class ReportRenderingTests
{
    const string Hostile = "<script>alert(1)</script> & \"quotes\" 'single'";

    static ComplianceReport Report(AuditScript script)
    {
        var builder = new GrantSummaryBuilder(T0.AddDays(-1), T0.AddDays(1));
        foreach (var e in script.Events) builder.Add(e);
        return new ComplianceReport(T0.AddDays(-1), T0.AddDays(1), T0.AddDays(1), builder.Grants());
    }

    static string Html(ComplianceReport report)
    {
        var w = new StringWriter();
        ReportHtml.Write(report, w);
        return w.ToString();
    }

    static string Csv(ComplianceReport report)
    {
        var w = new StringWriter();
        ReportCsv.Write(report, w);
        return w.ToString();
    }

    [Fact]
    public void Html_EscapesUserText_Everywhere()
    {
        var report = Report(new AuditScript().AutoGrant("1", "U1<img src=x>", "db<svg onload=x>", T0, TimeSpan.FromHours(1), Hostile));
        var html = Html(report);

        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<svg onload", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;single&#39;", html);
        Assert.Contains("U1&lt;img src=x&gt;", html);
        Assert.Contains("db&lt;svg onload=x&gt;", html); // in the tables and the timeline's row label and tooltip
    }

    [Fact]
    public void Html_IsSelfContained_AndTheTimelineIsWellFormedSvgWithABarPerGrant()
    {
        var report = Report(new AuditScript()
            .AutoGrant("1", "U1", "db", T0, TimeSpan.FromHours(1), Hostile)
            .AutoGrant("2", "U2", "db", T0.AddHours(2), TimeSpan.FromHours(1))
            .AutoGrant("3", "U1", "api", T0.AddHours(3), TimeSpan.FromHours(1)));
        var html = Html(report);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html);
        Assert.DoesNotContain("href=", html);
        var svgText = html[html.IndexOf("<svg", StringComparison.Ordinal)..(html.IndexOf("</svg>", StringComparison.Ordinal) + 6)];
        var svg = XElement.Parse(svgText.Replace("&nbsp;", " ")); // escaped text keeps the SVG well formed
        XNamespace ns = "http://www.w3.org/2000/svg";
        var bars = svg.Descendants(ns + "g").Where(g => ((string?)g.Attribute("class"))?.StartsWith("bar", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(["g1", "g2", "g3"], bars.Select(b => (string)b.Attribute("data-grant")!).Order());
        Assert.Equal(2, svg.Descendants(ns + "g").Count(g => (string?)g.Attribute("class") == "row"));
        Assert.Contains(bars, b => b.Element(ns + "title")!.Value.Contains("U1 · db", StringComparison.Ordinal));
    }

    [Fact]
    public void Html_ForAnEmptyPeriod_SaysNoAccessWasGranted()
    {
        var html = Html(Report(new AuditScript()));
        Assert.Contains("No access was granted in this period.", html);
        Assert.DoesNotContain("<svg", html);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("a, b", "\"a, b\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("plain", "plain")]
    public void CsvCell_NeutralisesFormulas_AndQuotes(string value, string cell) => Assert.Equal(cell, ReportCsv.Cell(value));

    [Fact]
    public void Csv_HasOneRowPerGrant_WithEveryColumn()
    {
        var script = new AuditScript()
            .Submit("r1", "U1", "prod", "=cmd|' /C calc'!A0 (ticket: INC-1)", T0).Decide("r1", "ApprovalRequired", "Pending", T0)
            .Approve("r1", "U2", T0.AddMinutes(1)).Start("r1", "g1", "U1", "prod", T0.AddMinutes(1), TimeSpan.FromHours(1), "U2")
            .End(AuditKinds.GrantRevoked, "r1", "g1", T0.AddMinutes(31), "U2", ("reason", "done"))
            .AutoGrant("2", "U3", "db", T0.AddHours(1), TimeSpan.FromHours(2));
        var lines = Csv(Report(script)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(3, lines.Length);
        Assert.Equal(string.Join(',', ReportCsv.Header), lines[0]);
        Assert.Equal("g1,r1,U1,prod,2026-11-02T09:01:00Z,2026-11-02T09:31:00Z,30m,revoked,U2,'=cmd|' /C calc'!A0 (ticket: INC-1),INC-1", lines[1]);
        Assert.Equal("g2,r2,U3,db,2026-11-02T10:00:00Z,2026-11-02T12:00:00Z,2h,expired,auto (policy),checking,", lines[2]);
    }
}
