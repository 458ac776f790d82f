namespace JitBot.Reports;

/// <summary>The report's content: the period, when it was made, and the grants that overlap the period.</summary>
public sealed record ComplianceReport(DateTimeOffset Since, DateTimeOffset Until, DateTimeOffset GeneratedAt, IReadOnlyList<GrantSummary> Grants)
{
    /// <summary>One line of the per-resource or per-person table.</summary>
    public sealed record Total(string Key, int Grants, int Others, TimeSpan TimeInPeriod);

    /// <summary>Per resource: its grants, how many people, and the time access was held within the period.</summary>
    public IReadOnlyList<Total> ByResource() => Totals(g => g.Resource, g => g.Person);

    /// <summary>Per person: their grants, how many resources, and the time access was held within the period.</summary>
    public IReadOnlyList<Total> ByPerson() => Totals(g => g.Person, g => g.Resource);

    /// <summary>The part of a grant's access that falls in the period (active grants count up to the report's time).</summary>
    public TimeSpan InPeriod(GrantSummary g)
    {
        if (g.Started is not { } start) return TimeSpan.Zero;
        var from = start > Since ? start : Since;
        var end = g.Ended ?? GeneratedAt;
        var to = end < Until ? end : Until;
        return to > from ? to - from : TimeSpan.Zero;
    }

    IReadOnlyList<Total> Totals(Func<GrantSummary, string?> key, Func<GrantSummary, string?> other) =>
        Grants.GroupBy(g => key(g) ?? ReportText.Unknown, StringComparer.Ordinal)
            .Select(group => new Total(group.Key, group.Count(), group.Select(g => other(g) ?? ReportText.Unknown).Distinct(StringComparer.Ordinal).Count(),
                group.Aggregate(TimeSpan.Zero, (sum, g) => sum + InPeriod(g))))
            .OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
}
