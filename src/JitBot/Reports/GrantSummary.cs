namespace JitBot.Reports;

/// <summary>How a grant ended, as the report shows it.</summary>
public enum GrantEnd
{
    /// <summary>Still in place when the audit log was read.</summary>
    Active,
    Expired,
    Revoked,
    /// <summary>Its expiry was brought forward to its incident's end, then it expired.</summary>
    CutShort,
    /// <summary>The provider could not grant it.</summary>
    Failed,
}

/// <summary>How a grant was approved.</summary>
public enum GrantApproval
{
    /// <summary>Events written under an older audit format, or a request whose submission predates the log.</summary>
    Unknown,
    /// <summary>Approved by people (<see cref="GrantSummary.ApprovedBy"/>).</summary>
    Approved,
    /// <summary>Approved by the policy, without anyone clicking.</summary>
    Auto,
    /// <summary>Approved by the policy because the request was made in an incident.</summary>
    Incident,
}

/// <summary>
/// One grant as the report needs it, built from its audit events. Small on purpose: the report keeps one per grant
/// in the period and nothing else. A field that no event supplied (an older audit format) is null and shown as unknown.
/// </summary>
public sealed record GrantSummary(string GrantId, string? RequestId)
{
    public string? Person { get; set; }
    public string? Resource { get; set; }
    public DateTimeOffset? Started { get; set; }
    /// <summary>When it was due to end, as last set (extensions and incident ends move it).</summary>
    public DateTimeOffset? DueAt { get; set; }
    /// <summary>When access was taken away (the event's time); null while <see cref="GrantEnd.Active"/>.</summary>
    public DateTimeOffset? Ended { get; set; }
    public GrantEnd End { get; set; } = GrantEnd.Active;
    /// <summary>Who revoked it (a Slack user id) and why, for <see cref="GrantEnd.Revoked"/>.</summary>
    public string? EndedBy { get; set; }
    public string? EndReason { get; set; }
    public GrantApproval Approval { get; set; } = GrantApproval.Unknown;
    /// <summary>The approvers' Slack user ids, comma-separated, for <see cref="GrantApproval.Approved"/>.</summary>
    public string? ApprovedBy { get; set; }
    public string? Reason { get; set; }
    public string? Ticket { get; set; }
    public string? IncidentId { get; set; }
    public int Extensions { get; set; }

    /// <summary>How long access lasted: to its end, or to <paramref name="now"/> while active; null when the start is unknown.</summary>
    public TimeSpan? Duration(DateTimeOffset now) =>
        Started is { } s ? ((Ended ?? now) - s) is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero : null;

    /// <summary>Whether access overlapped the period [<paramref name="since"/>, <paramref name="until"/>].</summary>
    public bool Overlaps(DateTimeOffset since, DateTimeOffset until) =>
        (Started is not { } s || s <= until) && (Ended is not { } e || e >= since);
}
