using JitBot.Common;
using JitBot.Incidents;

namespace JitBot.SlackApp;

/// <summary>
/// The stand-in for <see cref="IIncidentChannelEvents"/> while no incident lifecycle is registered: it only logs
/// at Debug level. <see cref="SlackAppExtensions.AddSlackApp"/> adds it with TryAdd, so the incident
/// lifecycle's own registration takes its place.
/// </summary>
public sealed class UnhandledChannelEvents(ILogger<UnhandledChannelEvents> logger) : IIncidentChannelEvents
{
    public Task ChannelArchivedAsync(string channelId, string? archivedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        logger.LogDebug("Channel {Channel} was archived at {At}; no incident lifecycle is registered to hear it", LogText.Safe(channelId), at);
        return Task.CompletedTask;
    }
}
