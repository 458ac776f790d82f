using JitBot.Common;
using JitBot.Requests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JitBot.Incidents;

/// <summary>
/// The safety net for archive events JitBot never handled (sent while it was down past Slack's retries, or whose
/// handling failed after the event was marked seen): every <see cref="IncidentsOptions.ArchiveCheckMinutes"/>
/// the incident sweep asks Slack about the channel of each open incident, and ends the incident if the channel
/// is archived. A Slack error means "don't know": it is logged once per incident until a check succeeds again,
/// and the next check tries again; an incident never ends on an error. <c>channel_not_found</c> ends the incident
/// (as "its channel was deleted") only when this process has seen the channel earlier: a channel Slack never
/// showed may be a private channel JitBot was not invited to, whose incident must not end under its responders.
/// Without a Slack app (<see cref="IIncidentChannelStatus"/> not registered) the check is off.
/// </summary>
public sealed class IncidentArchiveCheck(
    Storage.IIncidentStore incidents,
    IncidentEnder ender,
    IOptions<IncidentsOptions> options,
    TimeProvider time,
    ILogger<IncidentArchiveCheck> logger,
    IIncidentChannelStatus? channels = null)
{
    readonly HashSet<IncidentId> seen = [];         // Slack showed the channel at least once (this process)
    readonly HashSet<IncidentId> unanswered = [];   // a failed check was logged; quiet until one succeeds
    DateTimeOffset? lastRun;

    TimeSpan Interval => TimeSpan.FromMinutes(options.Value.ArchiveCheckMinutes);

    /// <summary>Checks every open incident's channel if a check is due (the first call always is); returns how many incidents it ended.</summary>
    public async Task<int> RunIfDueAsync(CancellationToken cancellationToken)
    {
        if (channels is null || options.Value.ArchiveCheckMinutes <= 0) return 0;
        var now = time.GetUtcNow();
        if (lastRun is { } last && now - last < Interval) return 0;
        lastRun = now;

        var open = (await incidents.IncidentsToEndAsync(DateTimeOffset.MaxValue, cancellationToken).ConfigureAwait(false))
            .Where(i => i.State == IncidentState.Open).ToList();
        var openIds = open.Select(i => i.Id).ToHashSet();
        seen.IntersectWith(openIds);
        unanswered.IntersectWith(openIds);
        var ended = 0;
        foreach (var incident in open)
        {
            try
            {
                if (await CheckAsync(incident, channels, cancellationToken).ConfigureAwait(false)) ended++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Checking or ending incident {IncidentId} (channel {ChannelId}) failed; the next check tries again",
                    incident.Id, LogText.Safe(incident.ChannelId));
            }
        }
        return ended;
    }

    async Task<bool> CheckAsync(Incident incident, IIncidentChannelStatus slack, CancellationToken cancellationToken)
    {
        var answer = await slack.StatusAsync(incident.ChannelId, cancellationToken).ConfigureAwait(false);
        switch (answer.Status)
        {
            case ChannelStatus.Active:
                seen.Add(incident.Id);
                unanswered.Remove(incident.Id);
                return false;
            case ChannelStatus.Archived:
                logger.LogWarning("Channel {ChannelId} of incident {IncidentId} is archived, but no archive event was handled; the incident ends now",
                    LogText.Safe(incident.ChannelId), incident.Id);
                await ender.ChannelArchivedAsync(incident.ChannelId, null, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                return true;
            case ChannelStatus.NotFound when seen.Contains(incident.Id):
                logger.LogWarning("Channel {ChannelId} of incident {IncidentId} is gone (Slack: {Error}); the incident ends now",
                    LogText.Safe(incident.ChannelId), incident.Id, LogText.Safe(answer.Error));
                await ender.EndAsync(incident.ChannelId, RequestService.SystemActor, IncidentEndReasons.ChannelDeleted, cancellationToken).ConfigureAwait(false);
                return true;
            case ChannelStatus.NotFound:
                if (unanswered.Add(incident.Id))
                    logger.LogWarning("Slack does not know channel {ChannelId} of incident {IncidentId} ({Error}): it was deleted, or it is a " +
                        "private channel JitBot was not invited to. The incident is left open: it ends at its maximum length or with " +
                        "/access incident end; invite JitBot to the channel so an archive can end it.",
                        LogText.Safe(incident.ChannelId), incident.Id, LogText.Safe(answer.Error));
                return false;
            default:
                if (unanswered.Add(incident.Id))
                    logger.LogWarning("Could not ask Slack whether channel {ChannelId} of incident {IncidentId} is archived ({Error}); " +
                        "the next check, in {Interval}, tries again", LogText.Safe(incident.ChannelId), incident.Id, LogText.Safe(answer.Error), Interval);
                return false;
        }
    }
}
