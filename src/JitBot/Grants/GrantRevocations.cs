using System.Globalization;
using JitBot.Audit;
using JitBot.Common;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.Logging;

namespace JitBot.Grants;

/// <summary>
/// Revoke now. The grant is marked with who asked and why and its end brought forward to now, in one transaction with
/// its <c>grant.revoke_requested</c> event (a compare-and-swap: of two clicks, one marks it and the other finds it
/// ending); then the revoker ends it as it ends every grant (<see cref="RevocationBatcher"/>: the provider, the ledger,
/// retries with backoff), Active → Revoked, with its <c>grant.revoked</c> event and the <c>GrantRevoked</c> notice. The
/// grant's Quartz trigger is left in place: it fires at the old end, finds the grant ended and is deleted.
/// </summary>
public sealed class GrantRevocations(
    IAccessStore store,
    GrantAuthority authority,
    RevocationBatcher revocations,
    TimeProvider time,
    ILogger<GrantRevocations> logger)
{
    public async Task<GrantActionOutcome> RevokeAsync(GrantId id, string userId, string? reason, CancellationToken cancellationToken)
    {
        var record = await store.FindGrantAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null)
            return new(GrantActionVerdict.NotFound, $"JitBot has no grant {id.Short}. `/access list` shows your grants with their ids.");
        var now = time.GetUtcNow();
        if (Ended(record, now) is { } ended) return ended;

        var role = await authority.RoleAsync(record, userId, cancellationToken).ConfigureAwait(false);
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (role == GrantRole.None)
            return new(GrantActionVerdict.Refused,
                $"Only the holder of grant {id.Short} or {await authority.ApproverNamesAsync(record, cancellationToken).ConfigureAwait(false)} can revoke it, and you are neither; nothing changed.",
                record);
        if (role == GrantRole.Approver && reason is null)
            return new(GrantActionVerdict.ReasonNeeded,
                $"You are revoking someone else's grant ({id.Short}): say why, e.g. `/access revoke {id.Short} because the incident is over`. They will see the reason.",
                record);

        await using (var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await tx.TryMarkRevokedByAsync(id, userId, reason, now, cancellationToken).ConfigureAwait(false))
            {
                await tx.DisposeAsync().ConfigureAwait(false);
                var again = await store.FindGrantAsync(id, cancellationToken).ConfigureAwait(false) ?? record;
                return Ended(again, now) ?? new(GrantActionVerdict.Ended, $"Grant {id.Short} is being revoked already; nothing more to do.", again);
            }
            await tx.AppendAuditAsync(new AuditEvent(AuditKinds.GrantRevokeRequested, now, userId, record.Grant.RequestId.Value, id.Value,
                new Dictionary<string, string?>
                {
                    ["as"] = role == GrantRole.Holder ? "holder" : "approver",
                    ["reason"] = reason,
                    ["expiresAt"] = record.Grant.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                }), cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("Grant {GrantId} is revoked now by {UserId} ({Role})", id, LogText.Safe(userId), role);

        // Committed: the revocation runs to its end whatever the caller does; a failure is retried like any revocation.
        var result = await revocations.RevokeAsync(id, CancellationToken.None).ConfigureAwait(false);
        var after = await store.FindGrantAsync(id, CancellationToken.None).ConfigureAwait(false) ?? record;
        return result switch
        {
            RevokeResult.Revoked or RevokeResult.CoveredByLongerGrant or RevokeResult.NotActive =>
                new(GrantActionVerdict.Done, $"Grant {id.Short} ({record.Grant.ResourceId}) is revoked.", after),
            _ => new(GrantActionVerdict.Pending,
                $"Grant {id.Short} ({record.Grant.ResourceId}) is being revoked, but its provider has not confirmed yet; JitBot keeps trying and tells the holder when it is done.",
                after),
        };
    }

    /// <summary>The answer for a grant that ended (or is ending), or null while it is active.</summary>
    static GrantActionOutcome? Ended(GrantRecord record, DateTimeOffset now)
    {
        var grant = record.Grant;
        if (grant.State != GrantState.Active)
            return new(GrantActionVerdict.Ended, $"Grant {grant.Id.Short} ({grant.ResourceId}) already ended ({grant.State.ToString().ToLowerInvariant()}); nothing changed.", record);
        if (record.RevokedBy is not null)
            return new(GrantActionVerdict.Ended, $"Grant {grant.Id.Short} ({grant.ResourceId}) is being revoked already; nothing more to do.", record);
        if (grant.ExpiresAt <= now)
            return new(GrantActionVerdict.Ended, $"Grant {grant.Id.Short} ({grant.ResourceId}) has reached its end and is being taken back; nothing changed.", record);
        return null;
    }
}
