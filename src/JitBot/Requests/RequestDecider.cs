using JitBot.Incidents;
using JitBot.Policies;

namespace JitBot.Requests;

/// <summary>
/// Decides a request with the current policy, storing nothing: the requester's Slack user groups, the channel's
/// open incident (an incident channel opens one on its first request), the decision context, and the granted
/// duration cut at the incident's end. The request lifecycle stores what it decides; a channel-wide grant asks it
/// for each member first.
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
        ArgumentException.ThrowIfNullOrWhiteSpace(input.RequesterId);
        var snapshot = policies.Current;
        var groups = snapshot.SlackUserGroupIds.Count == 0
            ? (IReadOnlyCollection<string>)[]
            : await directory.GroupsOfAsync(input.RequesterId, snapshot.SlackUserGroupIds, cancellationToken).ConfigureAwait(false);
        var incidentChannel = snapshot.IsIncidentChannel(input.ChannelName);
        var incident = await IncidentOfAsync(input, incidentChannel, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var decision = snapshot.Decide(new DecisionRequest(
            new Principal(input.RequesterId, groups),
            input.ResourceId,
            input.Duration,
            input.Reason,
            new RequestContext(now, input.ChannelId, input.ChannelName, incidentChannel || incident is not null, incident?.Id.Value, incident?.Label)));
        if (incident is not null && decision.Duration is { } duration && now + duration.Granted > incident.EndsAt)
        {
            // No incident grant outlives its incident: the duration stops at the incident's maximum length.
            var left = incident.EndsAt - now;
            decision = decision with
            {
                Duration = duration with { Granted = left > TimeSpan.Zero ? left : TimeSpan.Zero, Capped = true, Cap = left },
                Explanation = $"{decision.Explanation} Capped at the end of incident {incident.Name}.",
            };
        }
        return new PreparedRequest(decision, groups, incidentChannel || incident is not null, incident);
    }

    /// <summary>The channel's open incident; in a channel that matches <c>incident_channels</c>, one is started by this first request.</summary>
    async Task<Incident?> IncidentOfAsync(NewAccessRequest input, bool incidentChannel, CancellationToken cancellationToken)
    {
        if (input.ChannelId is not { Length: > 0 } channelId) return null;
        var current = await incidents.CurrentAsync(channelId, cancellationToken).ConfigureAwait(false);
        if (current is null && incidentChannel)
            current = (await incidents.StartAsync(channelId, input.ChannelName, input.RequesterId, null, null, cancellationToken).ConfigureAwait(false)).Incident;
        // An incident that is ending, or past its maximum length (its end is moments away), ties nothing new to itself.
        return current is { State: IncidentState.Open } && current.EndsAt > time.GetUtcNow() ? current : null;
    }
}
