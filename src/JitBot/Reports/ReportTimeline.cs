using System.Globalization;
using System.Net;

namespace JitBot.Reports;

/// <summary>
/// The SVG timeline: one row per resource, one bar per grant across the period, each labelled with the person
/// when it is wide enough and with a tooltip (<c>title</c>) giving person, times and how it ended. All user text is
/// HTML-escaped (the SVG is inline in the HTML page).
/// </summary>
public static class ReportTimeline
{
    const double Width = 1100, Label = 200, Row = 26, Top = 24, BarHeight = 18;

    public static void Write(ComplianceReport report, TextWriter w)
    {
        var rows = report.Grants.GroupBy(g => g.Resource ?? ReportText.Unknown, StringComparer.Ordinal)
            .OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        var height = Top + rows.Count * Row + 4;
        var span = Math.Max(1, (report.Until - report.Since).TotalSeconds);
        var plot = Width - Label - 10;
        double X(DateTimeOffset t) => Label + Math.Clamp((t - report.Since).TotalSeconds / span, 0, 1) * plot;

        w.WriteLine($"<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(Width)}\" height=\"{N(height)}\" viewBox=\"0 0 {N(Width)} {N(height)}\" role=\"img\" aria-label=\"Grants per resource over the period\">");
        w.WriteLine($"<text class=\"axis\" x=\"{N(Label)}\" y=\"14\">{E(ReportText.Time(report.Since))}</text>");
        w.WriteLine($"<text class=\"axis\" x=\"{N(Width - 10)}\" y=\"14\" text-anchor=\"end\">{E(ReportText.Time(report.Until))}</text>");
        for (var i = 0; i < rows.Count; i++)
        {
            var y = Top + i * Row;
            w.WriteLine($"<g class=\"row\" data-resource=\"{E(rows[i].Key)}\">");
            w.WriteLine($"<rect class=\"lane\" x=\"{N(Label)}\" y=\"{N(y)}\" width=\"{N(plot)}\" height=\"{N(BarHeight)}\"/>");
            w.WriteLine($"<text class=\"resource\" x=\"{N(Label - 6)}\" y=\"{N(y + 13)}\" text-anchor=\"end\">{E(Clip(rows[i].Key, 28))}</text>");
            foreach (var g in rows[i])
            {
                var from = X(g.Started ?? report.Since);
                var to = X(g.Ended ?? report.GeneratedAt);
                var width = Math.Max(2, to - from);
                var tip = $"{g.Person ?? ReportText.Unknown} · {g.Resource ?? ReportText.Unknown} · {ReportText.Time(g.Started)} → " +
                          $"{(g.Ended is null ? "now" : ReportText.Time(g.Ended))} · {ReportText.End(g)} · approved by {ReportText.Approval(g)}";
                w.Write($"<g class=\"bar {g.End.ToString().ToLowerInvariant()}\" data-grant=\"{E(g.GrantId)}\"><title>{E(tip)}</title>");
                w.Write($"<rect x=\"{N(from)}\" y=\"{N(y)}\" width=\"{N(width)}\" height=\"{N(BarHeight)}\" rx=\"3\"/>");
                if (width > 60) w.Write($"<text x=\"{N(from + 4)}\" y=\"{N(y + 13)}\">{E(Clip(g.Person ?? ReportText.Unknown, (int)(width / 7)))}</text>");
                w.WriteLine("</g>");
            }
            w.WriteLine("</g>");
        }
        w.WriteLine("</svg>");
    }

    static string Clip(string text, int max) => text.Length <= max ? text : text[..Math.Max(1, max - 1)] + "…";

    static string E(string text) => WebUtility.HtmlEncode(text);

    static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
