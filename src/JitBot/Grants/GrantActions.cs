using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Grants;

public enum GrantActionVerdict
{
    /// <summary>Done: revoked, or extended at once.</summary>
    Done,
    /// <summary>The extension was sent to the approvers; the grant's end moves when they approve.</summary>
    SentForApproval,
    /// <summary>An approver (not the holder) must say why before revoking.</summary>
    ReasonNeeded,
    /// <summary>Not allowed (not the holder, not an approver, beyond the policy's limits): nothing changed.</summary>
    Refused,
    /// <summary>The grant has already ended (or is being ended): nothing changed.</summary>
    Ended,
    NotFound,
    /// <summary>Asked for, but the provider has not confirmed yet; JitBot keeps trying.</summary>
    Pending,
}

/// <summary>What a Revoke now or an Extend did, with a plain sentence for the person who asked.</summary>
public sealed record GrantActionOutcome(GrantActionVerdict Verdict, string Message, GrantRecord? Grant = null, AccessRequest? Request = null);

/// <summary>Ending a grant early and extending it, as the Slack app (commands and buttons) drives them.</summary>
public interface IGrantActions
{
    /// <summary>
    /// Ends the grant now: its holder may, and so may an approver of its resource, who has to give a reason. The
    /// grant is revoked through the revoker at once; the holder, the one who revoked it and the team's channel are told.
    /// </summary>
    Task<GrantActionOutcome> RevokeAsync(GrantId id, string userId, string? reason, CancellationToken cancellationToken);

    /// <summary>
    /// Asks for more time on the holder's grant (<paramref name="by"/>, or the resource's default step): re-decided by the
    /// policy (<see cref="ExtensionRules"/>), moved at once or sent to the approvers.
    /// </summary>
    Task<GrantActionOutcome> ExtendAsync(GrantId id, string userId, TimeSpan? by, string? reason, CancellationToken cancellationToken);

    /// <summary>Who <paramref name="userId"/> is to the grant (holder, approver of its resource, or neither).</summary>
    Task<GrantRole> RoleAsync(GrantRecord grant, string userId, CancellationToken cancellationToken);
}

/// <summary>Revoke now and Extend, each by the class that does it.</summary>
public sealed class GrantActionService(GrantRevocations revocations, GrantExtender extender, GrantAuthority authority) : IGrantActions
{
    public Task<GrantActionOutcome> RevokeAsync(GrantId id, string userId, string? reason, CancellationToken cancellationToken) =>
        revocations.RevokeAsync(id, userId, reason, cancellationToken);

    public Task<GrantActionOutcome> ExtendAsync(GrantId id, string userId, TimeSpan? by, string? reason, CancellationToken cancellationToken) =>
        extender.ExtendAsync(id, userId, by, reason, cancellationToken);

    public Task<GrantRole> RoleAsync(GrantRecord grant, string userId, CancellationToken cancellationToken) =>
        authority.RoleAsync(grant, userId, cancellationToken);
}

/// <summary>
/// Tells people about Revoke now, extensions and coming ends. Implemented by the Slack app; called from the outbox
/// after the change is committed, and retried: implementations must tolerate being called twice.
/// </summary>
public interface IGrantNotifier
{
    /// <summary>The grant ends at <paramref name="end"/>, soon: the holder's warning with Extend and Revoke-now buttons.</summary>
    Task GrantExpiringAsync(AccessRequest request, GrantRecord grant, DateTimeOffset end, CancellationToken cancellationToken);

    /// <summary>The grant's end moved from <paramref name="from"/> to <paramref name="to"/>; <paramref name="request"/> is the grant's, or the extension's when approved.</summary>
    Task GrantExtendedAsync(AccessRequest request, GrantRecord grant, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>Someone ended the grant early (<see cref="GrantRecord.RevokedBy"/>): the holder, they and the team's channel are told.</summary>
    Task GrantRevokedAsync(AccessRequest request, GrantRecord grant, CancellationToken cancellationToken);
}
