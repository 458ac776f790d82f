using JitBot.Incidents;
using JitBot.Policies;

namespace JitBot.Requests;

/// <summary>
/// Who asks, from where and when, as the policy sees it: the requester's Slack user groups, the channel, its open
/// incident (if any) and the decision context. One scope serves any number of decisions (a preview of the whole
/// catalog decides each resource with the same scope).
/// </summary>
public sealed record DecisionScope(IPolicySnapshot Policy, Principal Principal, RequestContext Context, Incident? Incident)
{
    public IReadOnlyCollection<string> Groups => Principal.SlackUserGroupIds;

    /// <summary>
    /// The scope of a request made at <paramref name="at"/> from a channel, built the one way the bot, previews and
    /// replay all decide: an incident request when the channel matches <c>incident_channels</c> or the request is tied
    /// to an incident (<paramref name="incident"/>; or only <paramref name="incidentId"/>, when replay finds the
    /// incident gone from the store), its id and label from the incident when there is one.
    /// </summary>
    public static DecisionScope Of(IPolicySnapshot policy, Principal principal, DateTimeOffset at, string? channelId, string? channelName,
        Incident? incident = null, string? incidentId = null) =>
        new(policy, principal,
            new RequestContext(at, channelId, channelName, policy.IsIncidentChannel(channelName) || incident is not null || incidentId is not null,
                incident?.Id.Value ?? incidentId, incident?.Label),
            incident);
}

/// <summary>
/// Decides a request with the current policy, storing nothing: the requester's Slack user groups, the channel's
/// open incident (an incident channel opens one on its first request), the decision context, and the granted
/// duration cut at the incident's end. The request lifecycle stores what it decides; a channel-wide grant asks it
/// for each member first; previews (<see cref="AccessPreviews"/>) use <see cref="ScopeAsync"/> and <see cref="Decide"/>
/// without opening an incident.
/// </summary>
public sealed class RequestDecider(IPolicySource policies, IGroupDirectory directory, IncidentService incidents, TimeProvider time)
{
    /// <summary>
    /// What the policy says about a request right now, without storing anything: the requester's groups, the
    /// channel's open incident (opening one in a channel that matches <c>incident_channels</c>), and the decision,
    /// its duration capped at the incident's end. <see cref="RequestService.SubmitAsync"/> stores what this decides.
    /// </summary>
    public async Task<PreparedRequest> DecideAsync(NewAccessRequest input, CancellationToken cancellationToken)
    {
        var scope = await ScopeAsync(input.RequesterId, input.ChannelId, input.ChannelName, startIncident: true, cancellationToken).ConfigureAwait(false);
        var decision = Decide(scope, input.ResourceId, input.Duration, input.Reason);
        return new PreparedRequest(decision, scope.Groups, scope.Context.Incident, scope.Incident);
    }

    /// <summary>
    /// The requester's groups (asked of Slack, cached briefly; throws when Slack cannot say) and the channel's open
    /// incident. Only a submission (<paramref name="startIncident"/>) opens an incident in a channel that matches
    /// <c>incident_channels</c>; a preview decides as if it were one, and stores nothing.
    /// </summary>
    public async Task<DecisionScope> ScopeAsync(string requesterId, string? channelId, string? channelName, bool startIncident,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requesterId);
        var snapshot = policies.Current;
        var groups = snapshot.SlackUserGroupIds.Count == 0
            ? (IReadOnlyCollection<string>)[]
            : await directory.GroupsOfAsync(requesterId, snapshot.SlackUserGroupIds, cancellationToken).ConfigureAwait(false);
        var startOne = startIncident && snapshot.IsIncidentChannel(channelName);
        var incident = await IncidentOfAsync(requesterId, channelId, channelName, startOne, cancellationToken).ConfigureAwait(false);
        return DecisionScope.Of(snapshot, new Principal(requesterId, groups), time.GetUtcNow(), channelId, channelName, incident);
    }

    /// <summary>One decision in a scope: the policy's, with the duration capped at the end of the scope's incident.</summary>
    public static Decision Decide(DecisionScope scope, string resourceId, TimeSpan? duration, string? reason)
    {
        var decision = scope.Policy.Decide(new DecisionRequest(scope.Principal, resourceId, duration, reason, scope.Context));
        var now = scope.Context.At;
        if (scope.Incident is { } incident && decision.Duration is { } granted && now + granted.Granted > incident.EndsAt)
        {
            // No incident grant outlives its incident: the duration stops at the incident's maximum length.
            var left = incident.EndsAt - now;
            decision = decision with
            {
                Duration = granted with { Granted = left > TimeSpan.Zero ? left : TimeSpan.Zero, Capped = true, Cap = left },
                Explanation = $"{decision.Explanation} Capped at the end of incident {incident.Name}.",
            };
        }
        return decision;
    }

    /// <summary>The channel's open incident; in a channel that matches <c>incident_channels</c>, one is started when <paramref name="start"/>.</summary>
    async Task<Incident?> IncidentOfAsync(string requesterId, string? channelId, string? channelName, bool start, CancellationToken cancellationToken)
    {
        if (channelId is not { Length: > 0 }) return null;
        var current = await incidents.CurrentAsync(channelId, cancellationToken).ConfigureAwait(false);
        if (current is null && start)
            current = (await incidents.StartAsync(channelId, channelName, requesterId, null, null, cancellationToken).ConfigureAwait(false)).Incident;
        // An incident that is ending, or past its maximum length (its end is moments away), ties nothing new to itself.
        return current is { State: IncidentState.Open } && current.EndsAt > time.GetUtcNow() ? current : null;
    }
}
