using System.Net;

namespace JitBot.Reports;

/// <summary>
/// The compliance report as one self-contained HTML page: inline CSS, an inline SVG timeline, no script and nothing
/// loaded from elsewhere. Every piece of text that came from users or the log (names, resources, reasons, tickets)
/// is HTML-escaped. Written straight to the writer, grant by grant.
/// </summary>
public static class ReportHtml
{
    const string Style = """
        body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d1c1d}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
        .meta{color:#616061;margin:0 0 16px}.empty{font-size:16px;padding:16px;background:#f8f8f8;border-radius:6px}
        table{border-collapse:collapse;margin:4px 0 8px}th,td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}
        th{background:#f4f4f4}td.num{text-align:right}td.reason{max-width:340px;overflow-wrap:anywhere}
        svg.timeline{border:1px solid #ddd;border-radius:6px;background:#fff;max-width:100%;height:auto}
        svg .lane{fill:#f6f6f6}svg .axis,svg .resource{font-size:12px;fill:#444}
        svg .bar rect{fill:#2b7bb9;opacity:.85}svg .bar text{font-size:11px;fill:#fff}
        svg .bar.revoked rect{fill:#c2410c}svg .bar.cutshort rect{fill:#7c3aed}svg .bar.failed rect{fill:#b91c1c}svg .bar.active rect{fill:#15803d}
        .legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-1px}
        """;

    public static void Write(ComplianceReport report, TextWriter w)
    {
        w.WriteLine("<!DOCTYPE html>");
        w.WriteLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        // No script, no outside resource: the page is an archive that shows the same wherever it is opened.
        w.WriteLine("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">");
        w.WriteLine($"<title>JitBot access report {E(ReportText.Time(report.Since))} to {E(ReportText.Time(report.Until))}</title>");
        w.WriteLine($"<style>{Style}</style></head><body>");
        w.WriteLine("<h1>Access report</h1>");
        w.WriteLine($"<p class=\"meta\">From {E(ReportText.Time(report.Since))} to {E(ReportText.Time(report.Until))} · made {E(ReportText.Time(report.GeneratedAt))} from the JitBot audit log · " +
                    $"{report.Grants.Count} grant(s), {report.ByPerson().Count} person(s), {report.ByResource().Count} resource(s)</p>");
        if (report.Grants.Count == 0)
        {
            w.WriteLine("<p class=\"empty\">No access was granted in this period.</p>");
            w.WriteLine("</body></html>");
            return;
        }

        w.WriteLine("<h2>Timeline</h2>");
        w.WriteLine("<p class=\"legend\"><span><i style=\"background:#2b7bb9\"></i>expired</span><span><i style=\"background:#c2410c\"></i>revoked</span>" +
                    "<span><i style=\"background:#7c3aed\"></i>cut short</span><span><i style=\"background:#b91c1c\"></i>failed</span><span><i style=\"background:#15803d\"></i>still active</span></p>");
        ReportTimeline.Write(report, w);

        w.WriteLine("<h2>Per resource</h2>");
        Totals(report.ByResource(), "Resource", "People", w);
        w.WriteLine("<h2>Per person</h2>");
        Totals(report.ByPerson(), "Person", "Resources", w);

        w.WriteLine("<h2>Grants</h2>");
        w.WriteLine("<table class=\"grants\"><thead><tr><th>Person</th><th>Resource</th><th>Started</th><th>Ended</th><th>Duration</th><th>How it ended</th>" +
                    "<th>Approved by</th><th>Reason</th><th>Ticket</th><th>Grant</th></tr></thead><tbody>");
        foreach (var g in report.Grants)
        {
            var ended = g.Ended is null ? "still active" : ReportText.Time(g.Ended);
            var how = ReportText.End(g) + (g.End == GrantEnd.Revoked && g.EndedBy is { } by ? $" by {by}" : "") +
                      (g.EndReason is { } why ? $": {why}" : "") + (g.Extensions > 0 ? $" (extended {g.Extensions}×)" : "");
            w.WriteLine($"<tr data-grant=\"{E(g.GrantId)}\"><td>{E(g.Person ?? ReportText.Unknown)}</td><td>{E(g.Resource ?? ReportText.Unknown)}</td>" +
                        $"<td>{E(ReportText.Time(g.Started))}</td><td>{E(ended)}</td><td class=\"num\">{E(ReportText.Duration(g.Duration(report.GeneratedAt)))}</td>" +
                        $"<td>{E(how)}</td><td>{E(ReportText.Approval(g))}</td><td class=\"reason\">{E(g.Reason ?? ReportText.Unknown)}</td>" +
                        $"<td>{E(g.Ticket ?? "")}</td><td><code>{E(g.GrantId)}</code></td></tr>");
        }
        w.WriteLine("</tbody></table>");
        w.WriteLine("</body></html>");
    }

    static void Totals(IReadOnlyList<ComplianceReport.Total> totals, string keyName, string otherName, TextWriter w)
    {
        w.WriteLine($"<table><thead><tr><th>{keyName}</th><th>Grants</th><th>{otherName}</th><th>Time with access in the period</th></tr></thead><tbody>");
        foreach (var t in totals)
            w.WriteLine($"<tr><td>{E(t.Key)}</td><td class=\"num\">{t.Grants}</td><td class=\"num\">{t.Others}</td><td class=\"num\">{E(ReportText.Duration(t.TimeInPeriod))}</td></tr>");
        w.WriteLine("</tbody></table>");
    }

    static string E(string text) => WebUtility.HtmlEncode(text);
}
