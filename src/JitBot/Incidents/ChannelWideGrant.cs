using System.Globalization;
using JitBot.Audit;
using JitBot.Common;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.Logging;

namespace JitBot.Incidents;

/// <summary>What happened to one member in a channel-wide grant: granted (with the grant), or not and why.</summary>
public sealed record MemberGrant(string UserId, Grant? Grant, string? Why);

/// <summary>How far a channel-wide grant has come: members looked at so far, granted, not granted.</summary>
public sealed record ChannelGrantProgress(int Seen, int Granted, int NotGranted);

/// <summary>
/// <c>/access incident grant &lt;resource&gt;</c>: every current member of the incident channel whom the policy
/// grants the resource by itself gets it, each as their own request and grant tied to the incident (the caller
/// named in the audit). Only someone the policy itself grants the resource to in this incident may do it, so
/// nobody hands out access they could not get. Members are read a page at a time (<see cref="IChannelMembers"/>);
/// each is decided as if they had asked; only those the policy would grant are checked for being an active person
/// (bots and deactivated accounts are skipped). A request that needs approval is not granted channel-wide.
/// </summary>
public sealed class ChannelWideGrant(
    IChannelMembers members,
    RequestDecider decider,
    RequestService requests,
    IAccessStore store,
    TimeProvider time,
    ILogger<ChannelWideGrant> logger)
{
    /// <summary>The request a member gets: the caller's duration and reason, or a reason naming the incident.</summary>
    public static NewAccessRequest RequestFor(Incident incident, string userId, string callerId, string resourceId, TimeSpan? duration, string? reason) =>
        new(userId, resourceId, duration, reason ?? $"{incident.Name}: channel-wide grant during the incident", incident.ChannelId, incident.ChannelName)
        {
            OnBehalfOf = callerId,
        };

    /// <summary>Null when the caller may grant the resource channel-wide; otherwise the sentence saying why not.</summary>
    public async Task<string?> RefusalAsync(Incident incident, string callerId, string resourceId, TimeSpan? duration, string? reason, CancellationToken cancellationToken)
    {
        var prepared = await decider.DecideAsync(RequestFor(incident, callerId, callerId, resourceId, duration, reason), cancellationToken).ConfigureAwait(false);
        if (prepared.OpenIncident?.Id != incident.Id)
            return "This channel's incident is ending, so nothing more is granted under it.";
        return prepared.Decision.Outcome == DecisionOutcome.AutoApproved
            ? null
            : $"Only someone the policy grants {resourceId} to straight away in this incident may grant it to the whole channel, and it does not grant it to you ({Why(prepared.Decision)}).";
    }

    /// <summary>Grants every member the policy allows; <paramref name="onPage"/> hears the progress after each page.</summary>
    public async Task<IReadOnlyList<MemberGrant>> RunAsync(Incident incident, string callerId, string resourceId, TimeSpan? duration, string? reason,
        Func<ChannelGrantProgress, Task> onPage, CancellationToken cancellationToken)
    {
        var results = new List<MemberGrant>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var page in members.MemberPagesAsync(incident.ChannelId, cancellationToken).ConfigureAwait(false))
        {
            foreach (var userId in page.Where(seen.Add))
                results.Add(await GrantOneAsync(incident, userId, callerId, resourceId, duration, reason, cancellationToken).ConfigureAwait(false));
            await onPage(new ChannelGrantProgress(results.Count, results.Count(r => r.Grant is not null), results.Count(r => r.Grant is null))).ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        await using (var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            await tx.AppendAuditAsync(new AuditEvent(AuditKinds.IncidentChannelGrant, now, callerId, null, null,
                new Dictionary<string, string?>
                {
                    ["incident"] = incident.Id.Value,
                    ["resource"] = resourceId,
                    ["members"] = results.Count.ToString(CultureInfo.InvariantCulture),
                    ["granted"] = string.Join(",", results.Where(r => r.Grant is not null).Select(r => r.UserId)),
                    ["notGranted"] = results.Count(r => r.Grant is null).ToString(CultureInfo.InvariantCulture),
                }), cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("Channel-wide grant of {ResourceId} in incident {IncidentId} by {UserId}: {Granted} of {Members} members",
            LogText.Safe(resourceId), incident.Id, LogText.Safe(callerId), results.Count(r => r.Grant is not null), results.Count);
        return results;
    }

    async Task<MemberGrant> GrantOneAsync(Incident incident, string userId, string callerId, string resourceId, TimeSpan? duration, string? reason, CancellationToken cancellationToken)
    {
        try
        {
            var request = RequestFor(incident, userId, callerId, resourceId, duration, reason);
            var prepared = await decider.DecideAsync(request, cancellationToken).ConfigureAwait(false);
            switch (prepared.Decision.Outcome)
            {
                case DecisionOutcome.Denied:
                    return new MemberGrant(userId, null, Why(prepared.Decision));
                case DecisionOutcome.ApprovalRequired:
                    return new MemberGrant(userId, null, "needs approval, so not granted channel-wide: they can ask themselves");
            }
            if (!await members.IsActivePersonAsync(userId, cancellationToken).ConfigureAwait(false))
                return new MemberGrant(userId, null, "a bot or a deactivated account");
            var submitted = await requests.SubmitAsync(request, cancellationToken).ConfigureAwait(false);
            var outcome = await submitted.FinishedAsync().ConfigureAwait(false);
            return outcome.Request.State == RequestState.Granted && outcome.Grant is { } grant
                ? new MemberGrant(userId, grant, null)
                : new MemberGrant(userId, null, outcome.Request.State == RequestState.Failed ? "granting failed" : Why(outcome.Request.Decision));
        }
        catch (Exception e) when (e is not OperationCanceledException and not ChannelMembersUnavailableException)
        {
            logger.LogWarning(e, "Channel-wide grant of {ResourceId} to {UserId} failed", LogText.Safe(resourceId), LogText.Safe(userId));
            return new MemberGrant(userId, null, "JitBot could not decide it just now");
        }
    }

    /// <summary>Why the policy did not grant it: the deny rules, or its explanation.</summary>
    static string Why(Decision decision)
    {
        var deniedBy = decision.Rules.Where(r => r.Effect == RuleEffect.Deny).Select(r => r.RuleId).ToList();
        if (deniedBy.Count > 0) return "denied by " + string.Join(", ", deniedBy);
        if (decision.FieldProblems.Count > 0) return "denied: " + string.Join("; ", decision.FieldProblems.Select(p => $"{p.Field}: {p.Message}"));
        return decision.Outcome == DecisionOutcome.ApprovalRequired ? "it needs approval" : "no rule allows it";
    }
}
