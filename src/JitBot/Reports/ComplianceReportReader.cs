using JitBot.Audit;

namespace JitBot.Reports;

/// <summary>
/// Reads the audit log in pages of <see cref="PageSize"/> events, from the first, and folds them into the report's
/// grant summaries: memory holds one page plus the summaries, whatever the log's length.
/// </summary>
public static class ComplianceReportReader
{
    public const int PageSize = 2000;

    public static async Task<ComplianceReport> ReadAsync(IAuditLog log, DateTimeOffset since, DateTimeOffset until, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var builder = new GrantSummaryBuilder(since, until);
        long after = 0;
        while (true)
        {
            var page = await log.ReadAsync(after, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var record in page)
            {
                // Nothing after the period changes what happened in it except how its grants ended; later events are
                // still read for that, and grants starting after the period are skipped by the builder.
                builder.Add(record.Event);
            }
            if (page.Count < PageSize) break;
            after = page[^1].Seq;
        }
        return new ComplianceReport(since, until, now, builder.Grants());
    }
}
