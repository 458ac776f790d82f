using System.Globalization;
using System.Text.Json;
using JitBot.Audit;
using JitBot.Common;
using JitBot.Grants;
using JitBot.Policies;
using JitBot.Storage;
using Microsoft.Extensions.Logging;

namespace JitBot.Requests;

/// <summary>
/// The request lifecycle: submit, approve, deny, time out. Every state change is a compare-and-swap inside a
/// store transaction that also writes the audit events and queues the notifications, so double clicks,
/// racing approvers and several replicas produce exactly one outcome and one set of notices.
/// </summary>
public sealed class RequestService(
    IAccessStore store,
    IGroupDirectory directory,
    RequestDecider decider,
    GrantProvisioner provisioner,
    IGrantScheduler scheduler,
    TimeProvider time,
    ILogger<RequestService> logger,
    IApprovalStepScheduler? steps = null,
    GrantExtender? extender = null,
    RequestMetrics? metrics = null) : IAccessRequests, IRequestTimeouts
{
    /// <summary>Used when a policy gives no (or a non-positive) approval timeout.</summary>
    public static readonly TimeSpan DefaultApprovalTimeout = TimeSpan.FromHours(1);

    public const string PolicyActor = "policy";
    public const string SystemActor = "jitbot";

    /// <summary>When a pending request stops waiting for approvers.</summary>
    public static DateTimeOffset TimeoutAt(AccessRequest request)
    {
        var timeout = request.Decision.Approval?.Timeout ?? TimeSpan.Zero;
        return request.CreatedAt + (timeout > TimeSpan.Zero ? timeout : DefaultApprovalTimeout);
    }

    // ---- submit ---------------------------------------------------------------------------------------

    public async Task<SubmitOutcome> SubmitAsync(NewAccessRequest input, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        (SubmitOutcome Recorded, string Outcome, GrantRecord? Grant) submitted;
        try
        {
            submitted = await RecordAsync(input, started, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            metrics?.Submitted(RequestMetrics.Failed);
            throw;
        }
        if (submitted.Grant is not { } grant)
        {
            metrics?.Submitted(submitted.Outcome);
            return submitted.Recorded;
        }
        // Recorded: the provider is asked on a thread of its own, so the caller can answer now. Once started it runs
        // to the end whatever the caller does; a grant whose provisioning never finishes is taken up by the expiry sweep.
        var request = submitted.Recorded.Request;
        return submitted.Recorded with { Provisioning = Task.Run(() => ProvisionAsync(request, grant)) };
    }

    /// <summary>Decides and stores a submission; also says which <see cref="RequestMetrics"/> outcome it had, and the grant to carry out.</summary>
    async Task<(SubmitOutcome Recorded, string Outcome, GrantRecord? Grant)> RecordAsync(NewAccessRequest input, long started, CancellationToken cancellationToken)
    {
        var (decision, groups, incident, incidentRecord) = await decider.DecideAsync(input, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var (adjusted, unusable) = CarryOut(decision, input.OnBehalfOf is not null);
        if (unusable is not null)
            logger.LogError("Decision for {ResourceId} by policy {PolicyVersion} cannot be carried out: {Problem}", decision.ResourceId, decision.PolicyVersion, unusable);
        decision = adjusted;
        var state = RequestLifecycle.Initial(decision.Outcome);

        var request = new AccessRequest(
            RequestId.New(), input.RequesterId, input.ResourceId, input.Duration, input.Reason,
            input.ChannelId, input.ChannelName, incident, state, now,
            state == RequestState.Pending ? null : now,
            state == RequestState.Pending ? null : PolicyActor,
            decision, [])
        {
            IncidentId = incidentRecord?.Id,
        };
        DateTimeOffset? timeoutAt = state == RequestState.Pending ? TimeoutAt(request) : null;

        GrantRecord? grant = null;
        // Not forced to disk here: GrantProvisioner.ProvisionAsync makes the grant row durable before the provider is asked.
        await using (var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            await tx.InsertRequestAsync(request, timeoutAt, cancellationToken).ConfigureAwait(false);
            await tx.AppendAuditAsync(new AuditEvent(AuditKinds.RequestSubmitted, now, input.OnBehalfOf ?? input.RequesterId, request.Id.Value, null,
                new Dictionary<string, string?>
                {
                    ["resource"] = input.ResourceId,
                    ["requestedDuration"] = input.Duration?.ToString("c", CultureInfo.InvariantCulture),
                    ["reason"] = input.Reason,
                    ["channelId"] = input.ChannelId,
                    ["channelName"] = input.ChannelName,
                    ["incident"] = incident ? "true" : "false",
                    ["incidentId"] = incidentRecord?.Id.Value,
                    ["onBehalfOf"] = input.OnBehalfOf,
                    ["groups"] = string.Join(",", groups.Order(StringComparer.Ordinal)),
                }), cancellationToken).ConfigureAwait(false);
            await tx.AppendAuditAsync(DecisionEvent(request, now), cancellationToken).ConfigureAwait(false);
            if (state == RequestState.Granted)
                grant = await provisioner.AddGrantAsync(tx, request, now, PolicyActor, cancellationToken).ConfigureAwait(false);
            if (state == RequestState.Pending)
                await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, request.Id, null, null, now, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        metrics?.Decided(time.GetElapsedTime(started));

        // Committed: the follow-up work runs to the end even if the caller gives up waiting, so that no
        // approved request is left without its provider call, schedule or notice.
        if (state == RequestState.Pending)
        {
            await TryAsync(() => scheduler.ScheduleTimeoutAsync(request.Id, timeoutAt!.Value, CancellationToken.None),
                "schedule the approval timeout of", request.Id).ConfigureAwait(false);
            if (steps is not null && ApprovalSchedule.Next(request) is { } step)
                await TryAsync(() => steps.ScheduleAsync(request.Id, step, CancellationToken.None), "schedule the reminder of", request.Id).ConfigureAwait(false);
            return (new SubmitOutcome(request, null), RequestMetrics.Pending, null);
        }
        if (grant is null) return (new SubmitOutcome(request, null), unusable is null ? RequestMetrics.Denied : RequestMetrics.Refused, null);
        return (new SubmitOutcome(request, grant.Grant), RequestMetrics.AutoApproved, grant);
    }

    /// <summary>
    /// Carries out an auto-approved grant (<see cref="GrantProvisioner.ProvisionAsync"/>) and reads back how it ended.
    /// Never throws: what goes wrong is logged, and the expiry sweep finishes a grant left unprovisioned.
    /// </summary>
    async Task<SubmitOutcome> ProvisionAsync(AccessRequest request, GrantRecord grant)
    {
        var outcome = RequestMetrics.Failed;
        try
        {
            var (granted, error) = await provisioner.ProvisionAsync(request, grant, CancellationToken.None).ConfigureAwait(false);
            var stored = await store.FindRequestAsync(request.Id, CancellationToken.None).ConfigureAwait(false) ?? request;
            if (error is null) outcome = RequestMetrics.AutoApproved;
            return new SubmitOutcome(stored, granted);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Carrying out grant {GrantId} for request {RequestId} failed; the expiry sweep finishes it", grant.Grant.Id, request.Id);
            return new SubmitOutcome(request, grant.Grant);
        }
        finally
        {
            metrics?.Submitted(outcome);
        }
    }

    /// <summary>
    /// The policy's decision as JitBot carries it out: granted on someone's behalf (channel-wide) only when the policy
    /// grants it by itself, and a decision that cannot be carried out safely stored as denied, saying why. Also says
    /// why it could not be carried out, if so. One rule for the bot and for <c>jitbot policy replay</c>.
    /// </summary>
    public static (Decision Decision, string? Unusable) CarryOut(Decision decision, bool onBehalfOfSomeone)
    {
        if (onBehalfOfSomeone && decision.Outcome == DecisionOutcome.ApprovalRequired)
        {
            // Granted on someone's behalf only when the policy grants it by itself: nobody is left waiting for approvers they did not ask.
            decision = decision with
            {
                Outcome = DecisionOutcome.Denied,
                Explanation = $"{decision.Explanation} Not granted channel-wide: it needs approval, so the member has to ask for it themselves.",
            };
        }
        var unusable = Unusable(decision);
        if (unusable is not null)
        {
            // Fail closed: a decision we cannot carry out safely is stored as denied, and said why.
            decision = decision with
            {
                Outcome = DecisionOutcome.Denied,
                Explanation = $"{decision.Explanation} JitBot refused it because {unusable} Ask the policy owners to fix the policy.",
            };
        }
        return (decision, unusable);
    }

    static string? Unusable(Decision decision) => decision.Outcome switch
    {
        DecisionOutcome.AutoApproved when decision.Duration is not { Granted: var d } || d <= TimeSpan.Zero =>
            "the decision grants no duration.",
        DecisionOutcome.AutoApproved when decision.Resource is null =>
            "the decision names no resource from the catalog.",
        DecisionOutcome.ApprovalRequired when decision.Approval is not { Requirements.Count: > 0 } =>
            "the decision asks for approval but names no approvers.",
        DecisionOutcome.ApprovalRequired when decision.Approval!.Requirements.Any(r => r.Count < 1) =>
            "an approval requirement asks for fewer than one approver.",
        DecisionOutcome.ApprovalRequired when decision.Duration is not { Granted: var d } || d <= TimeSpan.Zero =>
            "the decision grants no duration.",
        DecisionOutcome.ApprovalRequired when decision.Resource is null =>
            "the decision names no resource from the catalog.",
        _ => null,
    };

    static AuditEvent DecisionEvent(AccessRequest request, DateTimeOffset now)
    {
        var d = request.Decision;
        return new AuditEvent(AuditKinds.RequestDecided, now, PolicyActor, request.Id.Value, null,
            new Dictionary<string, string?>
            {
                ["outcome"] = d.Outcome.ToString(),
                ["state"] = request.State.ToString(),
                ["incidentId"] = request.IncidentId?.Value,
                ["policyVersion"] = d.PolicyVersion,
                ["rules"] = string.Join(",", d.Rules.Select(r => $"{r.RuleId}:{r.Role}")),
                ["explanation"] = d.Explanation,
                ["grantedDuration"] = d.Duration?.Granted.ToString("c", CultureInfo.InvariantCulture),
                ["capped"] = d.Duration?.Capped == true ? "true" : "false",
                ["approvers"] = d.Approval is null ? null : string.Join(";", d.Approval.Requirements.Select(r => $"{r.Count} of {r.Approvers.Name}")),
                ["fieldProblems"] = d.FieldProblems.Count == 0 ? null : string.Join(";", d.FieldProblems.Select(p => $"{p.Field}: {p.Message}")),
            });
    }

    // ---- approve / deny -------------------------------------------------------------------------------

    public Task<ApprovalOutcome> ApproveAsync(RequestId id, string approverId, CancellationToken cancellationToken) =>
        DecideAsync(id, approverId, approve: true, null, cancellationToken);

    public Task<ApprovalOutcome> DenyAsync(RequestId id, string approverId, CancellationToken cancellationToken) =>
        DecideAsync(id, approverId, approve: false, null, cancellationToken);

    public Task<ApprovalOutcome> DenyAsync(RequestId id, string approverId, string? reason, CancellationToken cancellationToken) =>
        DecideAsync(id, approverId, approve: false, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), cancellationToken);

    /// <summary>The longest reason a denial keeps.</summary>
    public const int MaxDenialReason = 500;

    async Task<ApprovalOutcome> DecideAsync(RequestId id, string approverId, bool approve, string? reason, CancellationToken cancellationToken)
    {
        if (reason is { Length: > MaxDenialReason }) reason = reason[..MaxDenialReason];
        var request = await store.FindRequestAsync(id, cancellationToken).ConfigureAwait(false);
        if (request is null)
            return new(ApprovalVerdict.NotFound, null, null, $"JitBot has no request {id}. Ask the requester to send /access again.");
        if (request.State != RequestState.Pending)
            return await AlreadyDecidedAsync(request, cancellationToken).ConfigureAwait(false);
        if (time.GetUtcNow() >= TimeoutAt(request))
        {
            await TimeOutAsync(id, cancellationToken).ConfigureAwait(false);
            return await AlreadyDecidedAsync(await store.FindRequestAsync(id, cancellationToken).ConfigureAwait(false) ?? request, cancellationToken).ConfigureAwait(false);
        }
        if (string.Equals(approverId, request.RequesterId, StringComparison.Ordinal))
            return new(ApprovalVerdict.RefusedSelf, request, null,
                $"You can't {(approve ? "approve" : "deny")} your own request; it needs {ApproverNames(request)}.");

        var plan = request.Decision.Approval;
        if (plan is null || plan.Requirements.Count == 0)
            return new(ApprovalVerdict.RefusedNotApprover, request, null, "This request names no approvers, so nobody can decide it. Ask the policy owners to fix the policy.");

        IReadOnlyList<int> countsFor;
        try
        {
            var escalated = ApprovalSchedule.Escalated(request);
            var groupsNow = await GroupsNowAsync(plan, request.RequesterId, approverId, escalated, cancellationToken).ConfigureAwait(false);
            countsFor = ApprovalRules.CountsFor(plan, request.RequesterId, approverId, groupsNow, escalated);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not check whether {ApproverId} may decide request {RequestId}", LogText.Safe(approverId), LogText.Safe(id.Value));
            return new(ApprovalVerdict.RefusedNotApprover, request, null,
                $"JitBot could not check your membership of {ApproverNames(request)} just now. Try again in a minute.");
        }
        if (countsFor.Count == 0)
            return new(ApprovalVerdict.RefusedNotApprover, request, null,
                $"Only {ApproverNames(request)} can {(approve ? "approve" : "deny")} this request, and you are not one of them right now.");

        var now = time.GetUtcNow();
        GrantRecord? grant = null;
        DateTimeOffset? extendedTo = null;
        AccessRequest current;
        ApprovalVerdict verdict;
        string message;
        // Not forced to disk here: GrantProvisioner.ProvisionAsync makes a grant row durable before the provider is asked.
        await using (var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            current = await tx.FindRequestAsync(id, cancellationToken).ConfigureAwait(false) ?? request;
            if (current.State != RequestState.Pending)
            {
                await tx.DisposeAsync().ConfigureAwait(false);
                return await AlreadyDecidedAsync(current, cancellationToken).ConfigureAwait(false);
            }
            var vote = new VoteRecord(new ApprovalVote(approverId, approve, now), countsFor);
            var added = await tx.TryAddVoteAsync(id, vote, cancellationToken).ConfigureAwait(false);

            if (approve)
            {
                if (!added)
                    return new(ApprovalVerdict.AlreadyVoted, current, null, "You already approved this request; it is waiting for the other approvers.");
                var votes = await tx.VotesAsync(id, cancellationToken).ConfigureAwait(false);
                var progress = ApprovalRules.Tally(plan, current.RequesterId,
                    votes.Where(v => v.Vote.Approve).Select(v => new CountedApproval(v.Vote.ApproverId, v.CountsFor)));
                var missing = StillNeeded(progress);
                await tx.AppendAuditAsync(new AuditEvent(AuditKinds.VoteRecorded, now, approverId, id.Value, null,
                    new Dictionary<string, string?>
                    {
                        ["approve"] = "true",
                        ["countsFor"] = string.Join(",", countsFor.Select(i => plan.Requirements[i].Approvers.Name)),
                        ["stillNeeded"] = missing.Count == 0 ? null : string.Join(";", missing),
                    }), cancellationToken).ConfigureAwait(false);
                if (!progress.Complete)
                {
                    await tx.EnqueueAsync(NotificationKind.ApprovalRecorded, id, null, JsonSerializer.Serialize(vote.Vote, DecisionJson.Options), now, cancellationToken).ConfigureAwait(false);
                    await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                    verdict = ApprovalVerdict.Recorded;
                    message = $"Your approval is recorded. Still needed: {string.Join("; ", missing)}.";
                }
                else
                {
                    if (!await tx.TryMoveRequestAsync(id, RequestState.Pending, RequestLifecycle.NextOrThrow(RequestState.Pending, RequestTrigger.Approve), now, approverId, cancellationToken).ConfigureAwait(false))
                    {
                        await tx.DisposeAsync().ConfigureAwait(false);
                        return await AlreadyDecidedAsync(await store.FindRequestAsync(id, cancellationToken).ConfigureAwait(false) ?? current, cancellationToken).ConfigureAwait(false);
                    }
                    await tx.AppendAuditAsync(new AuditEvent(AuditKinds.RequestApproved, now, approverId, id.Value, null,
                        new Dictionary<string, string?>
                        {
                            ["approvers"] = string.Join(",", votes.Where(v => v.Vote.Approve).Select(v => v.Vote.ApproverId)),
                            ["policyVersion"] = current.Decision.PolicyVersion,
                        }), cancellationToken).ConfigureAwait(false);
                    current = current with { State = RequestState.Granted, DecidedAt = now, DecidedBy = approverId, Votes = votes.Select(v => v.Vote).ToList() };
                    if (current.ExtendsGrant is not null)
                    {
                        // An extension: the approved request moves its grant's end instead of starting a grant.
                        (grant, extendedTo, message) = await (extender ?? throw new InvalidOperationException("Extension requests need the GrantExtender."))
                            .CompleteApprovalAsync(tx, current, approverId, now, cancellationToken).ConfigureAwait(false);
                        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                        verdict = message.Length == 0 ? ApprovalVerdict.Approved : ApprovalVerdict.GrantFailed;
                    }
                    else
                    {
                        grant = await provisioner.AddGrantAsync(tx, current, now, approverId, cancellationToken).ConfigureAwait(false);
                        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                        verdict = ApprovalVerdict.Approved;
                        message = "";
                    }
                }
            }
            else
            {
                if (!await tx.TryMoveRequestAsync(id, RequestState.Pending, RequestLifecycle.NextOrThrow(RequestState.Pending, RequestTrigger.Reject), now, approverId, cancellationToken).ConfigureAwait(false))
                {
                    await tx.DisposeAsync().ConfigureAwait(false);
                    return await AlreadyDecidedAsync(await store.FindRequestAsync(id, cancellationToken).ConfigureAwait(false) ?? current, cancellationToken).ConfigureAwait(false);
                }
                if (reason is not null) await tx.SetDenialReasonAsync(id, reason, cancellationToken).ConfigureAwait(false);
                await tx.AppendAuditAsync(new AuditEvent(AuditKinds.RequestRejected, now, approverId, id.Value, null,
                    new Dictionary<string, string?>
                    {
                        ["previouslyApproved"] = added ? "false" : "true",
                        ["policyVersion"] = current.Decision.PolicyVersion,
                        ["reason"] = reason,
                    }), cancellationToken).ConfigureAwait(false);
                await tx.EnqueueAsync(NotificationKind.RequestClosed, id, null, null, now, cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                verdict = ApprovalVerdict.Rejected;
                message = $"You denied {current.ResourceId}; the requester will be told.";
            }
        }
        if (verdict != ApprovalVerdict.Recorded) metrics?.ApproversDecided(approve, now - current.CreatedAt);

        // Committed: as in SubmitAsync, the follow-up work is not cancelled by the caller.
        if (verdict == ApprovalVerdict.Recorded)
            return new(verdict, await store.FindRequestAsync(id, CancellationToken.None).ConfigureAwait(false) ?? current, null, message);

        await TryAsync(() => scheduler.UnscheduleTimeoutAsync(id, CancellationToken.None), "remove the approval timeout of", id).ConfigureAwait(false);
        await UnscheduleStepsAsync(id).ConfigureAwait(false);
        if (verdict == ApprovalVerdict.Rejected)
            return new(verdict, await store.FindRequestAsync(id, CancellationToken.None).ConfigureAwait(false) ?? current, null, message);
        if (current.ExtendsGrant is not null)
        {
            if (extendedTo is { } end) await extender!.RescheduleAsync(current.ExtendsGrant.Value, end).ConfigureAwait(false);
            var extended = current.ExtendsGrant is { } gid ? (await store.FindGrantAsync(gid, CancellationToken.None).ConfigureAwait(false))?.Grant : null;
            return new(verdict, await store.FindRequestAsync(id, CancellationToken.None).ConfigureAwait(false) ?? current, extended,
                verdict == ApprovalVerdict.Approved ? $"Approved: grant {current.ExtendsGrant.Value.Short} is extended." : message);
        }

        var (granted, error) = await provisioner.ProvisionAsync(current, grant!, CancellationToken.None).ConfigureAwait(false);
        var stored = await store.FindRequestAsync(id, CancellationToken.None).ConfigureAwait(false) ?? current;
        return error is null
            ? new(ApprovalVerdict.Approved, stored, granted,
                $"Approved: the requester has {stored.ResourceId} now.")
            : new(ApprovalVerdict.GrantFailed, stored, granted,
                $"Approved, but granting {stored.ResourceId} failed: {error}");
    }

    /// <summary>The approver's groups among those the approval rules ask about, looked up now, never from a cache.</summary>
    async Task<IReadOnlyCollection<string>> GroupsNowAsync(ApprovalPlan plan, string requesterId, string approverId, bool escalated, CancellationToken cancellationToken)
    {
        var groups = new List<string>();
        foreach (var group in ApprovalRules.GroupsToCheck(plan, requesterId, approverId, escalated))
            if (await directory.IsMemberNowAsync(approverId, group, cancellationToken).ConfigureAwait(false))
                groups.Add(group);
        return groups;
    }

    /// <summary>What is still missing, one entry per unmet requirement ("1 more from @payments-oncall").</summary>
    static List<string> StillNeeded(ApprovalProgress progress) =>
        progress.Missing.Select(r => $"{r.Count} more from {r.Approvers.Name}").ToList();

    static string ApproverNames(AccessRequest request) =>
        request.Decision.Approval is { Requirements.Count: > 0 } plan
            ? string.Join(" and ", plan.Requirements.Select(r => r.Approvers.Name).Distinct())
              + (ApprovalSchedule.Escalated(request) ? $" (or, since it was escalated, {plan.Escalation!.Approvers.Name})" : "")
            : "the approvers";

    async Task<ApprovalOutcome> AlreadyDecidedAsync(AccessRequest request, CancellationToken cancellationToken)
    {
        var grant = (await store.FindGrantByRequestAsync(request.Id, cancellationToken).ConfigureAwait(false))?.Grant;
        var message = request.State switch
        {
            RequestState.Granted => "This request was already approved; nothing changed.",
            RequestState.Rejected => "This request was already denied; nothing changed.",
            RequestState.TimedOut => "This request timed out before anyone decided; the requester can ask again.",
            RequestState.Denied => "The policy denied this request; there is nothing to approve.",
            RequestState.Failed => "This request was approved but the grant failed; the requester can ask again.",
            _ => "This request was already decided; nothing changed.",
        };
        return new(ApprovalVerdict.AlreadyDecided, request, grant, message);
    }

    // ---- timeout --------------------------------------------------------------------------------------

    public async Task<bool> TimeOutAsync(RequestId id, CancellationToken cancellationToken)
    {
        var request = await store.FindRequestAsync(id, cancellationToken).ConfigureAwait(false);
        if (request is null || request.State != RequestState.Pending) return false;
        var now = time.GetUtcNow();
        var timeoutAt = TimeoutAt(request);
        if (now < timeoutAt)
        {
            await TryAsync(() => scheduler.ScheduleTimeoutAsync(id, timeoutAt, cancellationToken), "reschedule the approval timeout of", id).ConfigureAwait(false);
            return false;
        }
        await using var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
        if (!await tx.TryMoveRequestAsync(id, RequestState.Pending, RequestLifecycle.NextOrThrow(RequestState.Pending, RequestTrigger.TimeOut), now, SystemActor, cancellationToken).ConfigureAwait(false))
            return false;
        await tx.AppendAuditAsync(new AuditEvent(AuditKinds.RequestTimedOut, now, SystemActor, id.Value, null,
            new Dictionary<string, string?>
            {
                ["timeoutAt"] = timeoutAt.ToString("O", CultureInfo.InvariantCulture),
                ["approvals"] = request.Votes.Count(v => v.Approve).ToString(CultureInfo.InvariantCulture),
            }), cancellationToken).ConfigureAwait(false);
        await tx.EnqueueAsync(NotificationKind.RequestClosed, id, null, null, now, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Request {RequestId} timed out waiting for approval", id);
        await UnscheduleStepsAsync(id).ConfigureAwait(false);
        return true;
    }

    /// <summary>A decided request has no reminder or escalation to come (a job that fires anyway finds it decided and does nothing).</summary>
    Task UnscheduleStepsAsync(RequestId id) =>
        steps is null ? Task.CompletedTask : TryAsync(() => steps.UnscheduleAsync(id, CancellationToken.None), "remove the reminders of", id);

    // ---- reads ----------------------------------------------------------------------------------------

    public Task<AccessRequest?> FindAsync(RequestId id, CancellationToken cancellationToken) =>
        store.FindRequestAsync(id, cancellationToken);

    public async Task<Grant?> FindGrantAsync(RequestId id, CancellationToken cancellationToken) =>
        (await store.FindGrantByRequestAsync(id, cancellationToken).ConfigureAwait(false))?.Grant;

    async Task TryAsync(Func<Task> action, string what, RequestId id)
    {
        try { await action().ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not {What} request {RequestId}; the periodic sweep covers it", what, id);
        }
    }
}
