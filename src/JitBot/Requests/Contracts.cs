using JitBot.Incidents;
using JitBot.Policies;

namespace JitBot.Requests;

/// <summary>Identifies an access request, e.g. "req_7k2m9x4q1c3v".</summary>
public readonly record struct RequestId(string Value)
{
    public const string Prefix = "req_";

    public static RequestId New() => new(Prefix + Ids.Random(12));

    /// <summary>What people see and type: the first 6 characters after "req_" ("7k2m9x"); <see cref="ShortIds"/> reads it back.</summary>
    public string Short => Ids.Short(Value, Prefix);

    public override string ToString() => Value;
}

/// <summary>Identifies a grant, e.g. "grt_p3n8d2w6z0ab".</summary>
public readonly record struct GrantId(string Value)
{
    public const string Prefix = "grt_";

    public static GrantId New() => new(Prefix + Ids.Random(12));

    /// <summary>What people see and type: the first 6 characters after "grt_" ("p3n8d2"); <see cref="ShortIds"/> reads it back.</summary>
    public string Short => Ids.Short(Value, Prefix);

    public override string ToString() => Value;
}

internal static class Ids
{
    /// <summary>How many characters of an id people see.</summary>
    public const int ShortLength = 6;

    public static string Short(string? value, string prefix)
    {
        var body = value ?? "";
        if (body.StartsWith(prefix, StringComparison.Ordinal)) body = body[prefix.Length..];
        return body.Length > ShortLength ? body[..ShortLength] : body;
    }

    const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string Random(int length) =>
        string.Create(length, 0, static (span, _) =>
        {
            Span<byte> bytes = stackalloc byte[span.Length];
            System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
            for (var i = 0; i < span.Length; i++) span[i] = Alphabet[bytes[i] & 31];
        });
}

public enum RequestState
{
    /// <summary>Waiting for approvers.</summary>
    Pending,
    /// <summary>Approved (by policy or people) and granted: see the grant for its clock.</summary>
    Granted,
    /// <summary>Refused by the policy.</summary>
    Denied,
    /// <summary>Refused by an approver.</summary>
    Rejected,
    /// <summary>Nobody decided before the approval timeout.</summary>
    TimedOut,
    /// <summary>Approved, but the provider could not carry the grant out.</summary>
    Failed,
}

public enum GrantState
{
    Active,
    Expired,
    Revoked,
    /// <summary>The provider could not carry the grant out; no access was left behind.</summary>
    Failed,
}

/// <summary>One approver's click that counted.</summary>
public sealed record ApprovalVote(string ApproverId, bool Approve, DateTimeOffset At);

/// <summary>An access request with the decision that the policy made about it.</summary>
public sealed record AccessRequest(
    RequestId Id,
    string RequesterId,
    string ResourceId,
    TimeSpan? RequestedDuration,
    string? Reason,
    string? ChannelId,
    string? ChannelName,
    bool Incident,
    RequestState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DecidedAt,
    string? DecidedBy,
    Decision Decision,
    IReadOnlyList<ApprovalVote> Votes)
{
    /// <summary>The incident the request was made under (in a channel with an open incident), if any; its grant is tied to it.</summary>
    public IncidentId? IncidentId { get; init; }

    /// <summary>When its approvers were reminded (<see cref="ApprovalStep.Remind"/>), if they were.</summary>
    public DateTimeOffset? RemindedAt { get; init; }

    /// <summary>When it was escalated (<see cref="ApprovalStep.Escalate"/>): from then on the escalation's approvers may decide it too.</summary>
    public DateTimeOffset? EscalatedAt { get; init; }

    /// <summary>The reason the approver who denied it gave, if any (as typed: escape it before showing it).</summary>
    public string? DenialReason { get; init; }
    /// <summary>
    /// Set on a request to extend a grant (<c>/access extend</c> that needs approval): approving it moves that grant's end
    /// by <see cref="RequestedDuration"/> instead of starting a grant of its own.
    /// </summary>
    public GrantId? ExtendsGrant { get; init; }

    /// <summary>For an extension: the end the grant gets when it is approved now (shown to the approvers; approval adds <see cref="RequestedDuration"/> to the end the grant has then).</summary>
    public DateTimeOffset? ExtendsTo { get; init; }
}

/// <summary>Access that was granted; its clock starts at <see cref="GrantedAt"/>.</summary>
public sealed record Grant(
    GrantId Id,
    RequestId RequestId,
    string UserId,
    string ResourceId,
    DateTimeOffset GrantedAt,
    DateTimeOffset ExpiresAt,
    GrantState State,
    DateTimeOffset? EndedAt);

/// <summary>What someone typed or filled in to ask for access.</summary>
public sealed record NewAccessRequest(
    string RequesterId,
    string ResourceId,
    TimeSpan? Duration,
    string? Reason,
    string? ChannelId,
    string? ChannelName)
{
    /// <summary>
    /// Who asked on the requester's behalf (<c>/access incident grant</c>): the request is then granted only when
    /// the policy approves it by itself, and never waits for approvers. Null when the requester asked.
    /// </summary>
    public string? OnBehalfOf { get; init; }
}

/// <summary>
/// What the policy decided about a request before it is stored: the decision, the requester's groups it used,
/// whether it is an incident request, and the open incident it would be tied to.
/// </summary>
public sealed record PreparedRequest(Decision Decision, IReadOnlyCollection<string> Groups, bool Incident, Incident? OpenIncident);

/// <summary>
/// The stored request (its <see cref="AccessRequest.Decision"/> says what happened) and the grant, if any. An
/// auto-approved request is answered once it and its grant are recorded; <see cref="Provisioning"/> then finishes
/// when the provider has answered, with the request and grant as they ended (Granted, or Failed).
/// </summary>
public sealed record SubmitOutcome(AccessRequest Request, Grant? Grant)
{
    /// <summary>The grant being carried out; null when there is none. Never faults.</summary>
    public Task<SubmitOutcome>? Provisioning { get; init; }

    /// <summary>This outcome once any provisioning has finished.</summary>
    public Task<SubmitOutcome> FinishedAsync() => Provisioning ?? Task.FromResult(this);
}

public enum ApprovalVerdict
{
    /// <summary>The click completed the approval: the request is granted.</summary>
    Approved,
    /// <summary>The approval counted; more approvers are needed.</summary>
    Recorded,
    /// <summary>The approver denied it: the request is rejected.</summary>
    Rejected,
    /// <summary>Requesters cannot approve or deny their own requests.</summary>
    RefusedSelf,
    /// <summary>The clicker is not in any approver set of the request right now.</summary>
    RefusedNotApprover,
    /// <summary>Someone else already decided (or it timed out): nothing changed.</summary>
    AlreadyDecided,
    /// <summary>This approver already approved; a second click changes nothing.</summary>
    AlreadyVoted,
    NotFound,
    /// <summary>Approved, but the provider failed to carry the grant out.</summary>
    GrantFailed,
}

/// <summary>What a click did, with a sentence for the clicker.</summary>
public sealed record ApprovalOutcome(ApprovalVerdict Verdict, AccessRequest? Request, Grant? Grant, string Message);

/// <summary>
/// Who is in which Slack user group. Implemented by the Slack app; the domain never talks to Slack itself.
/// </summary>
public interface IGroupDirectory
{
    /// <summary>The groups among <paramref name="groupIds"/> that the user is in (may be cached briefly).</summary>
    Task<IReadOnlyCollection<string>> GroupsOfAsync(string userId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken);

    /// <summary>Membership right now, never from a cache: used at the moment an approver clicks.</summary>
    Task<bool> IsMemberNowAsync(string userId, string groupId, CancellationToken cancellationToken);
}

/// <summary>
/// Tells people what happened. Implemented by the Slack app. Calls are made after the state change is
/// committed, from a durable queue, and are retried: implementations must tolerate being called twice.
/// </summary>
public interface IAccessNotifier
{
    /// <summary>A request needs approval: post it to the approval channel with Approve/Deny buttons.</summary>
    Task ApprovalNeededAsync(AccessRequest request, CancellationToken cancellationToken);

    /// <summary>An approval counted but more are needed (N-of-M).</summary>
    Task ApprovalRecordedAsync(AccessRequest request, ApprovalVote vote, CancellationToken cancellationToken);

    /// <summary>A pending request ended without a grant: rejected by an approver, or timed out.</summary>
    Task RequestClosedAsync(AccessRequest request, CancellationToken cancellationToken);

    /// <summary>Access was granted (auto-approved or approved): tell the requester, update the approval message.</summary>
    Task GrantStartedAsync(AccessRequest request, Grant grant, CancellationToken cancellationToken);

    /// <summary>Access ended (expired or revoked): the expiry notice.</summary>
    Task GrantEndedAsync(AccessRequest request, Grant grant, CancellationToken cancellationToken);

    /// <summary>Approved, but the provider could not grant: tell the requester and the approval thread.</summary>
    Task GrantFailedAsync(AccessRequest request, string error, CancellationToken cancellationToken);

    /// <summary>A pending request's approvers are reminded (<c>remind_after</c>): remind them, tell the requester.</summary>
    Task ApprovalReminderAsync(AccessRequest request, CancellationToken cancellationToken);

    /// <summary>A pending request was escalated: put it to the escalation's approvers with buttons, tell the requester.</summary>
    Task ApprovalEscalatedAsync(AccessRequest request, CancellationToken cancellationToken);
}

/// <summary>Where a Slack message about a request was posted, so it can be updated and replied to.</summary>
public sealed record MessageRef(RequestId RequestId, string Kind, string Channel, string Ts);

/// <summary>Remembers the Slack messages posted about a request.</summary>
public interface IMessageRefStore
{
    /// <summary>
    /// Saves where a message landed. Set once: the first reference saved for a request and kind stays, and a
    /// later save for the same pair changes nothing (two replicas racing to post keep one answer).
    /// </summary>
    Task SaveAsync(MessageRef reference, CancellationToken cancellationToken);
    Task<MessageRef?> FindAsync(RequestId requestId, string kind, CancellationToken cancellationToken);

    /// <summary>
    /// Saves several references, each as <see cref="SaveAsync"/> would; the stores do it in one write (one message
    /// about many grants has a reference per grant).
    /// </summary>
    async Task SaveAllAsync(IReadOnlyList<MessageRef> references, CancellationToken cancellationToken)
    {
        foreach (var reference in references) await SaveAsync(reference, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// The request lifecycle as the Slack app (and later the CLI, the App Home, …) drives it. Every state change
/// is a compare-and-swap in the store, so double clicks, racing approvers and several replicas produce one
/// outcome.
/// </summary>
public interface IAccessRequests
{
    /// <summary>
    /// Decides a request with the current policy and stores it; returns once it is recorded. When auto-approved, its
    /// grant is recorded too and carried out from then on (<see cref="SubmitOutcome.Provisioning"/>).
    /// </summary>
    Task<SubmitOutcome> SubmitAsync(NewAccessRequest request, CancellationToken cancellationToken);

    /// <summary>One approver's Approve click. Group membership is checked now, not from a cache.</summary>
    Task<ApprovalOutcome> ApproveAsync(RequestId id, string approverId, CancellationToken cancellationToken);

    /// <summary>One approver's Deny click: the request is rejected.</summary>
    Task<ApprovalOutcome> DenyAsync(RequestId id, string approverId, CancellationToken cancellationToken);

    /// <summary>
    /// One approver's Deny with the reason they gave (kept with the request, in the audit event and shown to the
    /// requester; at most 500 characters are kept). The same checks as <see cref="DenyAsync(RequestId, string, CancellationToken)"/>.
    /// </summary>
    Task<ApprovalOutcome> DenyAsync(RequestId id, string approverId, string? reason, CancellationToken cancellationToken) =>
        DenyAsync(id, approverId, cancellationToken);

    Task<AccessRequest?> FindAsync(RequestId id, CancellationToken cancellationToken);

    Task<Grant?> FindGrantAsync(RequestId id, CancellationToken cancellationToken);
}
