using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Grants;

/// <summary>What one revocation attempt did.</summary>
public enum RevokeResult
{
    /// <summary>The provider took the access back; the grant is Expired.</summary>
    Revoked,
    /// <summary>A longer grant of the same access is still active, so the provider was not called; the grant is Expired.</summary>
    CoveredByLongerGrant,
    /// <summary>The grant was not active (already ended, or never existed): nothing to do.</summary>
    NotActive,
    /// <summary>Not yet due: rescheduled for its expiry.</summary>
    NotDue,
    /// <summary>The provider failed; the grant stays Active and the attempt is retried with backoff.</summary>
    Failed,
    /// <summary>Another attempt (here or in another replica) holds the grant's revocation lease: nothing was done.</summary>
    InProgress,
}

/// <summary>A due grant whose lease this attempt holds and whose provider is to be asked next.</summary>
public sealed record Revocation(GrantRecord Record, ResourceInfo? Resource, string Owner, bool Alerted);

/// <summary>What the provider said about one <see cref="Revocation"/>: no error, or the error and whether retrying can help.</summary>
public sealed record RevokeOutcome(Revocation Revocation, string? Error, bool Retryable);

/// <summary>
/// What preparing a set of grants found: the grants already settled (not active, held elsewhere, not due, or
/// covered by a longer grant and ended) and the ones whose provider is to be asked.
/// </summary>
public sealed record PreparedRevocations(IReadOnlyList<(GrantId Id, RevokeResult Result)> Settled, IReadOnlyList<Revocation> ToRevoke);
