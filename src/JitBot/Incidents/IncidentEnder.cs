using System.Globalization;
using JitBot.Audit;
using JitBot.Common;
using JitBot.Grants;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.Logging;

namespace JitBot.Incidents;

public enum IncidentEndVerdict
{
    /// <summary>The incident ended now: everything tied to it is revoked or closed.</summary>
    Ended,
    /// <summary>Its end began here, but a revocation is still being retried; the sweep finishes it.</summary>
    Ending,
    /// <summary>The channel has no incident that has not ended.</summary>
    NoIncident,
}

/// <summary>What ending an incident did, with the incident as it is afterwards.</summary>
public sealed record IncidentEnd(IncidentEndVerdict Verdict, Incident? Incident);

/// <summary>
/// Ends incidents: on <c>/access incident end</c>, at the maximum length (Quartz trigger, and the sweep as a
/// safety net) and when the channel is archived. Open → Ending is a compare-and-swap that records when, by whom
/// and why; then every active grant tied to the incident is brought forward to that moment and revoked through
/// the revoker (audit events, notices), pending requests tied to it are closed, the digest is queued for the
/// channel, and Ending → Ended. Every step is idempotent, so a restart in the middle (state Ending) resumes from
/// the start, a grant provisioned after the end began is found by the next round, and ending twice changes nothing.
/// </summary>
public sealed class IncidentEnder(
    IAccessStore store,
    RevocationBatcher revocations,
    TimeProvider time,
    ILogger<IncidentEnder> logger) : IIncidentChannelEvents
{
    /// <summary>How many times one call looks again for grants that appeared while it revoked.</summary>
    const int Rounds = 5;

    /// <summary>Ends the channel's incident (someone typed <c>/access incident end</c>).</summary>
    public async Task<IncidentEnd> EndAsync(string channelId, string endedBy, string reason, CancellationToken cancellationToken)
    {
        var current = await store.CurrentIncidentAsync(channelId, cancellationToken).ConfigureAwait(false);
        if (current is null) return new IncidentEnd(IncidentEndVerdict.NoIncident, null);
        if (current.State == IncidentState.Open)
            await BeginAsync(current, endedBy, reason, cancellationToken).ConfigureAwait(false);
        var done = await FinishAsync(current.Id, cancellationToken).ConfigureAwait(false);
        var after = await store.FindIncidentAsync(current.Id, cancellationToken).ConfigureAwait(false) ?? current;
        return new IncidentEnd(done ? IncidentEndVerdict.Ended : IncidentEndVerdict.Ending, after);
    }

    /// <summary>
    /// How much earlier than an incident's start an archive may be dated and still end it: Slack's event time is
    /// in whole seconds and its clock is not JitBot's. An archive dated earlier than that happened before the
    /// incident began (the channel was unarchived since, and the event is a late or out-of-order delivery).
    /// </summary>
    public static readonly TimeSpan ArchiveClockSlack = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The channel was archived at <paramref name="at"/>: its incident, if it has one, ends — unless the archive
    /// is older than the incident (<see cref="ArchiveClockSlack"/>), which then stays open. Idempotent.
    /// </summary>
    public async Task ChannelArchivedAsync(string channelId, string? archivedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var current = await store.CurrentIncidentAsync(channelId, cancellationToken).ConfigureAwait(false);
        if (current is { State: IncidentState.Open } && at < current.StartedAt - ArchiveClockSlack)
        {
            logger.LogWarning("Channel {ChannelId} was archived at {ArchivedAt:o}, before incident {IncidentId} began at {StartedAt:o}: " +
                "a late or out-of-order delivery; the incident stays open", LogText.Safe(channelId), at, current.Id, current.StartedAt);
            return;
        }
        var end = await EndAsync(channelId, string.IsNullOrEmpty(archivedBy) ? RequestService.SystemActor : archivedBy, IncidentEndReasons.ChannelArchived, cancellationToken)
            .ConfigureAwait(false);
        logger.LogInformation("Channel {ChannelId} archived: {Verdict} {IncidentId}", LogText.Safe(channelId), end.Verdict, end.Incident?.Id);
    }

    /// <summary>
    /// Ends the incident if it is due: past its maximum length, or Ending (a restart or a failed revocation
    /// left it there). Quartz's trigger and the sweep call this.
    /// </summary>
    public async Task<bool> EndDueAsync(IncidentId id, CancellationToken cancellationToken)
    {
        var incident = await store.FindIncidentAsync(id, cancellationToken).ConfigureAwait(false);
        if (incident is null || incident.State == IncidentState.Ended) return false;
        if (incident.State == IncidentState.Open)
        {
            if (time.GetUtcNow() < incident.EndsAt) return false;
            await BeginAsync(incident, RequestService.SystemActor, IncidentEndReasons.MaximumLength, cancellationToken).ConfigureAwait(false);
        }
        return await FinishAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends every incident that is due (the sweep); returns how many ended.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var ended = 0;
        foreach (var incident in await store.IncidentsToEndAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (await EndDueAsync(incident.Id, cancellationToken).ConfigureAwait(false)) ended++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Ending incident {IncidentId} failed; the sweep tries again", incident.Id);
            }
        }
        return ended;
    }

    /// <summary>Open → Ending, with when, by whom and why; false when someone else moved it first.</summary>
    async Task<bool> BeginAsync(Incident incident, string by, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
        if (!await tx.TryMoveIncidentAsync(incident.Id, IncidentState.Open, IncidentState.Ending, now, by, reason, cancellationToken).ConfigureAwait(false))
            return false;
        await tx.AppendAuditAsync(new AuditEvent(AuditKinds.IncidentEnding, now, by, null, null,
            new Dictionary<string, string?>
            {
                ["incident"] = incident.Id.Value,
                ["channelId"] = incident.ChannelId,
                ["reason"] = reason,
            }), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Incident {IncidentId} is ending: {Reason}", incident.Id, reason);
        return true;
    }

    /// <summary>
    /// For an Ending incident: revokes what is tied to it, closes what waits, queues the digest and moves it to
    /// Ended. False when something is still active (a revocation being retried): it stays Ending for the sweep.
    /// </summary>
    async Task<bool> FinishAsync(IncidentId id, CancellationToken cancellationToken)
    {
        var incident = await store.FindIncidentAsync(id, cancellationToken).ConfigureAwait(false);
        if (incident is null || incident.State != IncidentState.Ending) return incident?.State == IncidentState.Ended;
        var endAt = incident.Deadline;

        var clear = false;
        for (var round = 0; round < Rounds && !clear; round++)
        {
            var pending = (await store.IncidentRequestsAsync(id, cancellationToken).ConfigureAwait(false))
                .Where(r => r.State == RequestState.Pending).ToList();
            var active = (await store.IncidentGrantsAsync(id, cancellationToken).ConfigureAwait(false))
                .Where(g => g.Grant.State == GrantState.Active).ToList();
            if (pending.Count == 0 && active.Count == 0)
            {
                clear = true;
                break;
            }
            foreach (var request in pending)
                await ClosePendingAsync(incident, request, cancellationToken).ConfigureAwait(false);
            if (active.Count == 0) continue;
            await CutShortAsync(incident, active, endAt, cancellationToken).ConfigureAwait(false);
            var results = await Task.WhenAll(active.Select(g => revocations.RevokeAsync(g.Grant.Id, cancellationToken))).ConfigureAwait(false);
            if (results.Any(r => r is RevokeResult.Failed or RevokeResult.InProgress or RevokeResult.NotDue))
            {
                logger.LogWarning("Incident {IncidentId} is ending but {Count} of its grants are not revoked yet; they are retried and the incident ends once they are",
                    id, results.Count(r => r is RevokeResult.Failed or RevokeResult.InProgress or RevokeResult.NotDue));
                return false;
            }
        }
        if (!clear) return false;

        var now = time.GetUtcNow();
        // Queued before the move to Ended: a crash in between queues it again, and the digest is posted once.
        await store.EnqueueNoticeAsync(NotificationKind.IncidentDigest, DigestSubject(id), NoticeLanes.Channel(incident.ChannelId), id.Value, now, cancellationToken)
            .ConfigureAwait(false);
        var grants = await store.IncidentGrantsAsync(id, cancellationToken).ConfigureAwait(false);
        await using (var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await tx.TryMoveIncidentAsync(id, IncidentState.Ending, IncidentState.Ended, now, null, null, cancellationToken).ConfigureAwait(false))
                return true;
            await tx.AppendAuditAsync(new AuditEvent(AuditKinds.IncidentEnded, now, RequestService.SystemActor, null, null,
                new Dictionary<string, string?>
                {
                    ["incident"] = id.Value,
                    ["channelId"] = incident.ChannelId,
                    ["grants"] = grants.Count.ToString(CultureInfo.InvariantCulture),
                    ["endedAt"] = endAt.ToString("O", CultureInfo.InvariantCulture),
                }), cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("Incident {IncidentId} ended; {Count} grants were tied to it", id, grants.Count);
        return true;
    }

    /// <summary>The outbox subject of an incident's digest: a key of its own, so it waits for nothing but its lane.</summary>
    public static RequestId DigestSubject(IncidentId id) => new(id.Value);

    async Task ClosePendingAsync(Incident incident, AccessRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
        if (!await tx.TryMoveRequestAsync(request.Id, RequestState.Pending, RequestLifecycle.NextOrThrow(RequestState.Pending, RequestTrigger.Reject),
                now, RequestService.SystemActor, cancellationToken).ConfigureAwait(false))
            return;
        await tx.AppendAuditAsync(new AuditEvent(AuditKinds.RequestRejected, now, RequestService.SystemActor, request.Id.Value, null,
            new Dictionary<string, string?>
            {
                ["incident"] = incident.Id.Value,
                ["why"] = "the incident it was made under ended",
                ["policyVersion"] = request.Decision.PolicyVersion,
            }), cancellationToken).ConfigureAwait(false);
        await tx.EnqueueAsync(NotificationKind.RequestClosed, request.Id, null, null, now, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    async Task CutShortAsync(Incident incident, IReadOnlyList<GrantRecord> active, DateTimeOffset endAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var at = endAt < now ? endAt : now;
        await using var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
        var cut = (await tx.CutGrantsShortAsync(active.Select(g => g.Grant.Id).ToList(), at, cancellationToken).ConfigureAwait(false)).ToHashSet();
        if (cut.Count == 0) return;
        await tx.AppendAuditAsync(active.Where(g => cut.Contains(g.Grant.Id)).Select(g => new AuditEvent(AuditKinds.IncidentGrantCutShort, now, RequestService.SystemActor,
            g.Grant.RequestId.Value, g.Grant.Id.Value,
            new Dictionary<string, string?>
            {
                ["incident"] = incident.Id.Value,
                ["expiresAt"] = g.Grant.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                ["endsAt"] = at.ToString("O", CultureInfo.InvariantCulture),
            })).ToList(), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
