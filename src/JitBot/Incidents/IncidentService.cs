using System.Globalization;
using JitBot.Audit;
using JitBot.Common;
using JitBot.Policies;
using JitBot.Storage;
using Microsoft.Extensions.Logging;

namespace JitBot.Incidents;

/// <summary>What <see cref="IncidentService.StartAsync"/> did: started one, or found the channel's incident already there.</summary>
public sealed record IncidentStart(Incident Incident, bool Started);

/// <summary>
/// Starting incidents and finding the one a channel has. At most one incident of a channel has not ended: the
/// store decides between two racing starts, so both callers see the one incident.
/// </summary>
public sealed class IncidentService(IAccessStore store, IPolicySource policies, IIncidentScheduler scheduler, TimeProvider time, ILogger<IncidentService> logger)
{
    /// <summary>The channel's incident that has not ended, if any.</summary>
    public Task<Incident?> CurrentAsync(string channelId, CancellationToken cancellationToken) =>
        store.CurrentIncidentAsync(channelId, cancellationToken);

    /// <summary>
    /// Starts an incident in the channel, for <paramref name="length"/> (the policy's <c>incident_length</c>: its
    /// default when null, never more than its maximum); when the channel already has one, returns that one and changes nothing.
    /// </summary>
    public async Task<IncidentStart> StartAsync(string channelId, string? channelName, string startedBy, string? label, TimeSpan? length, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(channelId);
        ArgumentException.ThrowIfNullOrWhiteSpace(startedBy);
        if (label is not null && !IncidentLabel.IsValid(label))
            throw new ArgumentException($"Incident label \"{label}\" is not valid.", nameof(label));
        if (await store.CurrentIncidentAsync(channelId, cancellationToken).ConfigureAwait(false) is { } current)
            return new IncidentStart(current, Started: false);

        var now = time.GetUtcNow();
        var granted = policies.Current.IncidentLength.For(length);
        var incident = new Incident(IncidentId.New(), label, channelId, channelName, startedBy, now, now + granted, IncidentState.Open);
        await using (var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await tx.TryInsertIncidentAsync(incident, cancellationToken).ConfigureAwait(false))
            {
                await tx.DisposeAsync().ConfigureAwait(false);
                // Someone else started one a moment ago: that one is the channel's incident.
                var winner = await store.CurrentIncidentAsync(channelId, cancellationToken).ConfigureAwait(false)
                             ?? throw new InvalidOperationException($"Channel {channelId} refused a new incident but has none.");
                return new IncidentStart(winner, Started: false);
            }
            await tx.AppendAuditAsync(new AuditEvent(AuditKinds.IncidentStarted, now, startedBy, null, null,
                new Dictionary<string, string?>
                {
                    ["incident"] = incident.Id.Value,
                    ["label"] = label,
                    ["channelId"] = channelId,
                    ["channelName"] = channelName,
                    ["endsAt"] = incident.EndsAt.ToString("O", CultureInfo.InvariantCulture),
                    ["length"] = granted.ToString("c", CultureInfo.InvariantCulture),
                    ["askedLength"] = length?.ToString("c", CultureInfo.InvariantCulture),
                }), cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("Incident {IncidentId} started in {ChannelId} by {UserId}, until {EndsAt:O}",
            incident.Id, LogText.Safe(channelId), LogText.Safe(startedBy), incident.EndsAt);
        try
        {
            await scheduler.ScheduleEndAsync(incident.Id, incident.EndsAt, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not schedule the end of incident {IncidentId}; the incident sweep covers it", incident.Id);
        }
        return new IncidentStart(incident, Started: true);
    }
}
