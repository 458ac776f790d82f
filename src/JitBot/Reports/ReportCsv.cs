using System.Text;

namespace JitBot.Reports;

/// <summary>
/// The report as CSV (RFC 4180), one row per grant. A cell that a spreadsheet would run as a formula (starting with
/// <c>= + - @</c>, a tab or a carriage return) gets a leading apostrophe, so a reason cannot become a formula.
/// </summary>
public static class ReportCsv
{
    public static readonly string[] Header =
        ["grant_id", "request_id", "person", "resource", "started", "ended", "duration", "ended_how", "approved_by", "reason", "ticket"];

    public static void Write(ComplianceReport report, TextWriter w)
    {
        WriteRow(w, Header);
        foreach (var g in report.Grants)
        {
            WriteRow(w,
            [
                g.GrantId, g.RequestId ?? ReportText.Unknown, g.Person ?? ReportText.Unknown, g.Resource ?? ReportText.Unknown,
                g.Started is null ? ReportText.Unknown : ReportText.IsoTime(g.Started), ReportText.IsoTime(g.Ended),
                ReportText.Duration(g.Duration(report.GeneratedAt)), ReportText.End(g), ReportText.Approval(g),
                g.Reason ?? ReportText.Unknown, g.Ticket ?? "",
            ]);
        }
    }

    static void WriteRow(TextWriter w, IReadOnlyList<string> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0) w.Write(',');
            w.Write(Cell(cells[i]));
        }
        w.Write("\r\n");
    }

    /// <summary>One cell: neutralised against formula injection, then quoted when it holds a comma, quote or line break.</summary>
    public static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0) return value;
        return new StringBuilder(value.Length + 2).Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"').ToString();
    }
}
