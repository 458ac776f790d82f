using System.CommandLine;
using System.Text;
using JitBot.Audit;
using JitBot.Reports;
using JitBot.Storage;

namespace JitBot.Cli;

/// <summary>
/// <c>jitbot report [--since 30d] [--until …] [--out report.html] [--csv report.csv]</c>: the compliance report from
/// the audit log (docs/report.md). Exit codes: 0 written, 1 the store could not be read, 2 usage error (a
/// <c>--since</c> in the future, an unreadable time).
/// </summary>
public static class ReportCli
{
    public static Command Command(TextWriter stdout, TextWriter stderr)
    {
        var since = new Option<string>("--since") { Description = "Start of the period: 30d, 12h, 2w back from now, a date (2026-03-04) or an ISO time. Default: 30d.", HelpName = "30d|date" };
        var until = new Option<string>("--until") { Description = "End of the period, in the same forms, or now (the default).", HelpName = "date|now" };
        var html = new Option<string>("--out") { Description = "Where to write the HTML page (- for standard output). Default: report.html.", HelpName = "file" };
        var csv = new Option<string>("--csv") { Description = "Also write the grants as CSV, one row per grant, to this file.", HelpName = "file" };
        var command = new Command("report", "Write the compliance report: who had access to what, when, for how long, approved by whom and why, " +
                                            "as a self-contained HTML page with a timeline per resource, plus CSV (docs/report.md).") { since, until, html, csv };
        CliStore.AddOptions(command);
        command.SetAction(r => Run(new ReportArguments(r.GetValue(since), r.GetValue(until), r.GetValue(html), r.GetValue(csv), CliStore.OptionsFrom(r)),
            DateTimeOffset.UtcNow, stdout, stderr));
        return command;
    }

    public static int Run(ReportArguments args, DateTimeOffset now, TextWriter stdout, TextWriter stderr)
    {
        if (!TimeRange.TryParse(args.Since ?? "30d", args.Until, now, out var range, out var error))
        {
            stderr.WriteLine($"error: {error}");
            return PolicyCli.Usage;
        }
        var since = range.Since ?? now.AddDays(-30);
        var until = range.Until ?? now;
        ComplianceReport report;
        try
        {
            report = ReadAsync(args.Store, since, until, now).GetAwaiter().GetResult();
        }
        catch (StorageUnavailableException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return PolicyCli.Failed;
        }

        var htmlPath = args.HtmlPath ?? "report.html";
        Write(htmlPath, stdout, w => ReportHtml.Write(report, w));
        if (args.CsvPath is { } csvPath) Write(csvPath, stdout, w => ReportCsv.Write(report, w));
        var summary = report.Grants.Count == 0
            ? "No access was granted in this period"
            : $"{report.Grants.Count} grant(s) of {report.ByResource().Count} resource(s) to {report.ByPerson().Count} person(s)";
        var written = string.Join(" and ", new[] { htmlPath == "-" ? null : htmlPath, args.CsvPath }.Where(p => p is not null));
        (htmlPath == "-" ? stderr : stdout).WriteLine($"{summary}, {ReportText.Time(since)} to {ReportText.Time(until)}" +
                                                      (written.Length > 0 ? $": wrote {written}." : "."));
        return PolicyCli.Ok;
    }

    static async Task<ComplianceReport> ReadAsync(CliStoreOptions options, DateTimeOffset since, DateTimeOffset until, DateTimeOffset now)
    {
        var store = await CliStore.OpenAsync(options, CancellationToken.None).ConfigureAwait(false);
        try
        {
            return await ComplianceReportReader.ReadAsync(new StoreAuditLog(store), since, until, now, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            CliStore.Close(store);
        }
    }

    /// <summary>Writes to a temporary file beside the target and moves it into place, so a failed run leaves no half page.</summary>
    static void Write(string path, TextWriter stdout, Action<TextWriter> write)
    {
        if (path == "-")
        {
            write(stdout);
            return;
        }
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp";
        using (var file = new StreamWriter(temp, append: false, new UTF8Encoding(false)))
            write(file);
        File.Move(temp, full, overwrite: true);
    }
}

/// <summary>What <c>jitbot report</c> was asked, as parsed from its command line.</summary>
public sealed record ReportArguments(string? Since, string? Until, string? HtmlPath, string? CsvPath, CliStoreOptions Store);
