using System.Globalization;
using JitBot.Audit;
using JitBot.Common;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.Logging;

namespace JitBot.Grants;

/// <summary>
/// Extends grants. The holder asks for more time; the policy decides a request for the whole new length made now
/// (<see cref="RequestDecider"/>) and <see cref="ExtensionRules"/> applies the resource's <c>extend:</c> limits. An
/// extension allowed at once moves the grant's end in the store (a compare-and-swap on the end it had, with its
/// <c>grant.extended</c> event and <c>GrantExtended</c> notice, in one transaction), then its revocation trigger is
/// moved; a trigger that could not be moved fires at the old end, finds the grant not due and puts itself at the new
/// end, and the sweep revokes only what is past its stored end. An extension that needs approval is stored as a
/// pending request that names the grant (<see cref="AccessRequest.ExtendsGrant"/>) and goes through the approval flow
/// like any request; approving it moves the end (<see cref="ApplyApprovedAsync"/>).
/// </summary>
public sealed class GrantExtender(
    IAccessStore store,
    RequestDecider decider,
    IPolicySource policies,
    IGrantScheduler scheduler,
    TimeProvider time,
    ILogger<GrantExtender> logger)
{
    /// <summary>How far back a person's requests are looked through for an extension of the same grant still waiting.</summary>
    static readonly TimeSpan PendingLookBack = TimeSpan.FromDays(7);

    public async Task<GrantActionOutcome> ExtendAsync(GrantId id, string userId, TimeSpan? by, string? reason, CancellationToken cancellationToken)
    {
        var record = await store.FindGrantAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null)
            return new(GrantActionVerdict.NotFound, $"JitBot has no grant {id.Short}. `/access list` shows your grants with their ids.");
        if (!string.Equals(record.Grant.UserId, userId, StringComparison.Ordinal))
            return new(GrantActionVerdict.Refused, $"Grant {id.Short} is not yours: only its holder can extend it. Nothing changed.", record);
        var original = await store.FindRequestAsync(record.Grant.RequestId, cancellationToken).ConfigureAwait(false);
        if (original?.IncidentId is not null)
            return new(GrantActionVerdict.Refused,
                $"Grant {id.Short} is tied to an incident and ends with it; ask again in the incident's channel if you need more time.", record);

        var now = time.GetUtcNow();
        var snapshot = policies.Current;
        var step = by ?? ExtensionRules.DefaultStep(snapshot.FindResource(record.Grant.ResourceId));
        var total = record.Grant.ExpiresAt + step - record.Grant.GrantedAt;
        reason = string.IsNullOrWhiteSpace(reason) ? original?.Reason : reason.Trim();
        var decision = total > TimeSpan.Zero
            ? (await decider.DecideAsync(new NewAccessRequest(userId, record.Grant.ResourceId, total, reason, null, original?.ChannelName), cancellationToken)
                .ConfigureAwait(false)).Decision
            : null;
        var verdict = decision is null
            ? new ExtensionVerdict.Refused("Extend by at least a minute, e.g. `by 30m`.")
            : ExtensionRules.Check(record, step, decision, snapshot.OwnerApproval(record.Grant.ResourceId), now);

        switch (verdict)
        {
            case ExtensionVerdict.Refused refused:
                await AuditRefusalAsync(record, userId, step, refused.Message, now, cancellationToken).ConfigureAwait(false);
                var ended = record.Grant.State != GrantState.Active || record.Grant.ExpiresAt <= now || record.RevokedBy is not null;
                return new(ended ? GrantActionVerdict.Ended : GrantActionVerdict.Refused, refused.Message, record);
            case ExtensionVerdict.Automatic automatic:
                return await ExtendNowAsync(record, userId, step, automatic.NewEnd, decision!, now, cancellationToken).ConfigureAwait(false);
            case ExtensionVerdict.NeedsApproval approval:
                return await AskApproversAsync(record, original, userId, step, reason, approval, decision!, now, cancellationToken).ConfigureAwait(false);
            default:
                throw new InvalidOperationException($"Unknown extension verdict {verdict}.");
        }
    }

    async Task<GrantActionOutcome> ExtendNowAsync(GrantRecord record, string userId, TimeSpan by, DateTimeOffset newEnd, Decision decision, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var id = record.Grant.Id;
        await using (var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await tx.TryExtendGrantAsync(id, record.Grant.ExpiresAt, newEnd, cancellationToken).ConfigureAwait(false))
            {
                await tx.DisposeAsync().ConfigureAwait(false);
                return Moved(await store.FindGrantAsync(id, cancellationToken).ConfigureAwait(false) ?? record, now);
            }
            await tx.AppendAuditAsync(ExtendedEvent(record, userId, by, newEnd, decision.PolicyVersion, record.Grant.RequestId, now), cancellationToken).ConfigureAwait(false);
            await tx.EnqueueAsync(NotificationKind.GrantExtended, record.Grant.RequestId, id, Payload(record.Grant.ExpiresAt, newEnd), now, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        await RescheduleAsync(id, newEnd).ConfigureAwait(false);
        logger.LogInformation("Grant {GrantId} extended by {UserId} to {NewEnd:O}", id, LogText.Safe(userId), newEnd);
        var after = await store.FindGrantAsync(id, CancellationToken.None).ConfigureAwait(false) ?? record;
        return new(GrantActionVerdict.Done, $"Grant {id.Short} ({record.Grant.ResourceId}) is extended by {DurationText.Humanize(by)}.", after);
    }

    async Task<GrantActionOutcome> AskApproversAsync(GrantRecord record, AccessRequest? original, string userId, TimeSpan by, string? reason,
        ExtensionVerdict.NeedsApproval approval, Decision decision, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = record.Grant.Id;
        var waiting = (await store.RequestsByRequesterAsync(userId, now - PendingLookBack, 200, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(r => r.State == RequestState.Pending && r.ExtendsGrant == id);
        if (waiting is not null)
            return new(GrantActionVerdict.SentForApproval,
                $"An extension of grant {id.Short} is already waiting for approval (request {waiting.Id.Short}); nothing new was sent.", record, waiting);

        var stored = decision with
        {
            Outcome = DecisionOutcome.ApprovalRequired,
            Approval = approval.Plan,
            Explanation = $"Extension of grant {id.Short} by {DurationText.Humanize(by)}. {decision.Explanation}",
        };
        var request = new AccessRequest(RequestId.New(), userId, record.Grant.ResourceId, by, reason, original?.ChannelId, original?.ChannelName,
            false, RequestState.Pending, now, null, null, stored, [])
        {
            ExtendsGrant = id,
            ExtendsTo = approval.NewEnd,
        };
        var timeoutAt = RequestService.TimeoutAt(request);
        await using (var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            await tx.InsertRequestAsync(request, timeoutAt, cancellationToken).ConfigureAwait(false);
            await tx.AppendAuditAsync(new AuditEvent(AuditKinds.GrantExtendRequested, now, userId, request.Id.Value, id.Value,
                new Dictionary<string, string?>
                {
                    ["resource"] = record.Grant.ResourceId,
                    ["by"] = by.ToString("c", CultureInfo.InvariantCulture),
                    ["expiresAt"] = record.Grant.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                    ["newExpiresAt"] = approval.NewEnd.ToString("O", CultureInfo.InvariantCulture),
                    ["reason"] = reason,
                    ["policyVersion"] = decision.PolicyVersion,
                    ["approvers"] = string.Join(";", approval.Plan.Requirements.Select(r => $"{r.Count} of {r.Approvers.Name}")),
                }), cancellationToken).ConfigureAwait(false);
            await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, request.Id, null, null, now, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        try { await scheduler.ScheduleTimeoutAsync(request.Id, timeoutAt, CancellationToken.None).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not schedule the approval timeout of extension request {RequestId}; the periodic sweep covers it", request.Id);
        }
        logger.LogInformation("Extension of grant {GrantId} by {UserId} sent for approval as {RequestId}", id, LogText.Safe(userId), request.Id);
        return new(GrantActionVerdict.SentForApproval,
            $"Extending grant {id.Short} needs approval: sent to {approval.Plan.Channel} as request {request.Id.Short}. Its end moves when it is approved.",
            record, request);
    }

    /// <summary>
    /// Inside the transaction that approved an extension request (already moved to Granted): moves the grant's end
    /// (<see cref="ApplyApprovedAsync"/>) or, when it cannot be (the grant ended, or reached the limits meanwhile),
    /// fails the request with a <c>GrantFailed</c> notice saying why. Returns the grant, its new end, and the problem
    /// ("" when extended).
    /// </summary>
    public async Task<(GrantRecord?, DateTimeOffset?, string)> CompleteApprovalAsync(IAccessStoreTransaction tx, AccessRequest request, string approverId,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (record, newEnd, problem) = await ApplyApprovedAsync(tx, request, approverId, now, cancellationToken).ConfigureAwait(false);
        if (problem is null) return (record, newEnd, "");
        await tx.TryMoveRequestAsync(request.Id, RequestState.Granted, RequestLifecycle.NextOrThrow(RequestState.Granted, RequestTrigger.GrantFailed), now, approverId, cancellationToken)
            .ConfigureAwait(false);
        await tx.AppendAuditAsync(new AuditEvent(AuditKinds.GrantExtendRefused, now, approverId, request.Id.Value, request.ExtendsGrant?.Value,
            new Dictionary<string, string?> { ["why"] = problem }), cancellationToken).ConfigureAwait(false);
        var message = $"Approved, but the grant could not be extended: {problem}";
        await tx.EnqueueAsync(NotificationKind.GrantFailed, request.Id, null, message, now, cancellationToken).ConfigureAwait(false);
        return (record, null, message);
    }

    /// <summary>
    /// Inside the transaction that approved an extension request: checks the limits again on the grant as it is now and
    /// moves its end by the request's duration (<c>grant.extended</c>, <c>GrantExtended</c>). Returns the grant and its new
    /// end, or the reason it could not be extended (it ended meanwhile, or was extended past the limits since).
    /// </summary>
    public async Task<(GrantRecord? Grant, DateTimeOffset NewEnd, string? Problem)> ApplyApprovedAsync(IAccessStoreTransaction tx, AccessRequest request,
        string approverId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = request.ExtendsGrant ?? throw new InvalidOperationException($"Request {request.Id} extends no grant.");
        var record = await tx.FindGrantAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null) return (null, now, $"Grant {id.Short} does not exist any more.");
        var by = request.RequestedDuration ?? TimeSpan.Zero;
        var approved = request.Decision with { Outcome = DecisionOutcome.AutoApproved };
        if (ExtensionRules.Check(record, by, approved, null, now, approved: true) is ExtensionVerdict.Refused refused) return (record, now, refused.Message);
        var newEnd = record.Grant.ExpiresAt + by;
        if (!await tx.TryExtendGrantAsync(id, record.Grant.ExpiresAt, newEnd, cancellationToken).ConfigureAwait(false))
            return (record, now, $"Grant {id.Short} changed while the extension was approved; ask again.");
        await tx.AppendAuditAsync(ExtendedEvent(record, approverId, by, newEnd, request.Decision.PolicyVersion, request.Id, now), cancellationToken).ConfigureAwait(false);
        await tx.EnqueueAsync(NotificationKind.GrantExtended, request.Id, id, Payload(record.Grant.ExpiresAt, newEnd), now, cancellationToken).ConfigureAwait(false);
        return (record, newEnd, null);
    }

    /// <summary>Moves the grant's revocation trigger to its new end; one that cannot be moved is made up for by the revoker (see the class).</summary>
    public async Task RescheduleAsync(GrantId id, DateTimeOffset newEnd)
    {
        try { await scheduler.ScheduleRevokeAsync(id, newEnd, CancellationToken.None).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not move the revocation of grant {GrantId} to {NewEnd:O}; its old trigger finds it not due and moves itself", id, newEnd);
        }
    }

    /// <summary>The notice's payload: the end before and after, as ISO times ("from|to").</summary>
    public static string Payload(DateTimeOffset from, DateTimeOffset to) =>
        from.ToString("O", CultureInfo.InvariantCulture) + "|" + to.ToString("O", CultureInfo.InvariantCulture);

    static GrantActionOutcome Moved(GrantRecord now, DateTimeOffset at) =>
        now.Grant.State != GrantState.Active || now.RevokedBy is not null || now.Grant.ExpiresAt <= at
            ? new(GrantActionVerdict.Ended, $"Grant {now.Grant.Id.Short} has already ended, so it cannot be extended. Ask for the access again.", now)
            : new(GrantActionVerdict.Refused, $"Grant {now.Grant.Id.Short} was just changed by someone else (it now ends at a different time); nothing changed. Try again.", now);

    static AuditEvent ExtendedEvent(GrantRecord record, string actor, TimeSpan by, DateTimeOffset newEnd, string policyVersion, RequestId requestId, DateTimeOffset now) =>
        new(AuditKinds.GrantExtended, now, actor, requestId.Value, record.Grant.Id.Value,
            new Dictionary<string, string?>
            {
                ["by"] = by.ToString("c", CultureInfo.InvariantCulture),
                ["expiresAt"] = record.Grant.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                ["newExpiresAt"] = newEnd.ToString("O", CultureInfo.InvariantCulture),
                ["extensions"] = (record.Extensions + 1).ToString(CultureInfo.InvariantCulture),
                ["policyVersion"] = policyVersion,
            });

    async Task AuditRefusalAsync(GrantRecord record, string userId, TimeSpan by, string why, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
        await tx.AppendAuditAsync(new AuditEvent(AuditKinds.GrantExtendRefused, now, userId, record.Grant.RequestId.Value, record.Grant.Id.Value,
            new Dictionary<string, string?>
            {
                ["by"] = by.ToString("c", CultureInfo.InvariantCulture),
                ["why"] = why,
            }), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
