using System.Globalization;
using System.Text.RegularExpressions;
using JitBot.Audit;

namespace JitBot.Reports;

/// <summary>
/// Folds audit events, in log order, into one <see cref="GrantSummary"/> per grant of a period. Memory stays bounded:
/// it holds the requests still waiting for a grant (a denied, rejected or timed-out one is dropped at its decision), the
/// grants in or overlapping the period, and nothing of a grant that ended before the period. Events written under an
/// older audit format (fields missing) leave the summary's fields unknown rather than failing.
/// </summary>
public sealed partial class GrantSummaryBuilder(DateTimeOffset since, DateTimeOffset until)
{
    sealed class RequestFacts
    {
        public string? Requester, Resource, Reason, IncidentId, ApprovedBy;
        public bool Incident;
        public string? Outcome;
    }

    readonly Dictionary<string, RequestFacts> _requests = new(StringComparer.Ordinal);
    readonly Dictionary<string, GrantSummary> _grants = new(StringComparer.Ordinal);

    /// <summary>Audit events read.</summary>
    public long EventsRead { get; private set; }

    /// <summary>Requests waiting for a grant plus grants kept: what the builder holds (for the memory bound's tests).</summary>
    public int Held => _requests.Count + _grants.Count;

    public void Add(AuditEvent e)
    {
        EventsRead++;
        switch (e.Kind)
        {
            case AuditKinds.RequestSubmitted when e.RequestId is { } id:
                _requests[id] = new RequestFacts
                {
                    Requester = Get(e, "onBehalfOf") ?? e.Actor,
                    Resource = Get(e, "resource"),
                    Reason = Get(e, "reason"),
                    Incident = Get(e, "incident") == "true",
                    IncidentId = Get(e, "incidentId"),
                };
                break;
            case AuditKinds.RequestDecided when e.RequestId is { } id:
                if (Get(e, "state") is "Denied" || Get(e, "outcome") is "Denied") _requests.Remove(id);
                else if (_requests.TryGetValue(id, out var decided)) decided.Outcome = Get(e, "outcome");
                break;
            case AuditKinds.RequestApproved when e.RequestId is { } id:
                if (_requests.TryGetValue(id, out var approved)) approved.ApprovedBy = Get(e, "approvers") ?? e.Actor;
                break;
            case AuditKinds.RequestRejected or AuditKinds.RequestTimedOut when e.RequestId is { } id:
                _requests.Remove(id);
                break;
            case AuditKinds.GrantStarted when e.GrantId is { } grantId:
                Start(e, grantId);
                break;
            case AuditKinds.GrantExtended or AuditKinds.GrantExtendRefused:
                if (e.RequestId is { } extension) _requests.Remove(extension); // an extension request: it starts no grant
                if (e.Kind == AuditKinds.GrantExtendRefused || Grant(e) is not { } extended) break;
                extended.Extensions++;
                extended.DueAt = Time(e, "newExpiresAt") ?? extended.DueAt;
                break;
            case AuditKinds.IncidentGrantCutShort when Grant(e) is { } cut:
                cut.End = GrantEnd.CutShort; // still active until its (earlier) expiry
                cut.DueAt = Time(e, "endsAt") ?? cut.DueAt;
                break;
            case AuditKinds.GrantExpired or AuditKinds.GrantRevokeSkipped when Grant(e) is { } expired:
                Finish(expired, e, expired.End == GrantEnd.CutShort ? GrantEnd.CutShort : GrantEnd.Expired);
                break;
            case AuditKinds.GrantRevoked when Grant(e) is { } revoked:
                revoked.EndedBy = e.Actor;
                revoked.EndReason = Get(e, "reason");
                Finish(revoked, e, GrantEnd.Revoked);
                break;
            case AuditKinds.GrantFailed when Grant(e) is { } failed:
                failed.EndReason = Get(e, "error");
                Finish(failed, e, GrantEnd.Failed);
                break;
        }
    }

    /// <summary>The grants that overlap the period, by start time.</summary>
    public IReadOnlyList<GrantSummary> Grants() =>
        _grants.Values.Where(g => g.Overlaps(since, until))
            .OrderBy(g => g.Started ?? DateTimeOffset.MinValue).ThenBy(g => g.GrantId, StringComparer.Ordinal).ToList();

    void Start(AuditEvent e, string grantId)
    {
        var started = Time(e, "grantedAt") ?? e.At;
        RequestFacts? facts = null;
        if (e.RequestId is { } requestId && _requests.Remove(requestId, out var found)) facts = found;
        if (started > until) return; // after the period: not reported
        var grant = new GrantSummary(grantId, e.RequestId)
        {
            Person = Get(e, "user") ?? facts?.Requester,
            Resource = Get(e, "resource") ?? facts?.Resource,
            Started = started,
            DueAt = Time(e, "expiresAt"),
            Reason = facts?.Reason,
            Ticket = TicketIn(facts?.Reason),
            IncidentId = Get(e, "incidentId") ?? facts?.IncidentId,
        };
        (grant.Approval, grant.ApprovedBy) = facts switch
        {
            null => (GrantApproval.Unknown, null),
            { ApprovedBy: { Length: > 0 } by } => (GrantApproval.Approved, by),
            { Outcome: "AutoApproved", Incident: true } => (GrantApproval.Incident, null),
            { Outcome: "AutoApproved" } => (GrantApproval.Auto, null),
            // The policy started it (no one approved) but the decision event is missing: older format.
            _ when e.Actor == "policy" => (facts.Incident ? GrantApproval.Incident : GrantApproval.Auto, null),
            _ => (GrantApproval.Unknown, null),
        };
        _grants[grantId] = grant;
    }

    void Finish(GrantSummary grant, AuditEvent e, GrantEnd end)
    {
        grant.End = end;
        grant.Ended = e.At;
        // Ended before the period: nothing to report, nothing to keep.
        if (e.At < since) _grants.Remove(grant.GrantId);
    }

    GrantSummary? Grant(AuditEvent e) => e.GrantId is { } id ? _grants.GetValueOrDefault(id) : null;

    static string? Get(AuditEvent e, string key) =>
        e.Data?.GetValueOrDefault(key) is { Length: > 0 } value ? value : null;

    static DateTimeOffset? Time(AuditEvent e, string key) =>
        Get(e, key) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>
    /// The ticket of a reason: the request form stores it as "(ticket: INC-4312)" at the end; otherwise the first
    /// ticket-like word (letters, a dash, digits: INC-4312, DPR-17) in the reason; null when there is none.
    /// </summary>
    public static string? TicketIn(string? reason)
    {
        if (string.IsNullOrEmpty(reason)) return null;
        var form = FormTicket().Match(reason);
        if (form.Success) return form.Groups[1].Value.Trim();
        var word = TicketWord().Match(reason);
        return word.Success ? word.Value : null;
    }

    [GeneratedRegex(@"\(ticket:\s*([^)]+)\)\s*$")]
    private static partial Regex FormTicket();

    [GeneratedRegex(@"\b[A-Z][A-Z0-9]{1,9}-[0-9]+\b")]
    private static partial Regex TicketWord();
}
