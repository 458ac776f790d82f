using System.Text.Json;
using JitBot.Common;
using JitBot.Incidents;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;
using JitBot.Storage;

namespace JitBot.SlackApp;

/// <summary>
/// <c>channel_archive</c> (public channels) and <c>group_archive</c> (private channels) from the Events API: the
/// incident lifecycle hears about it once per event (<see cref="IIncidentChannelEvents.ChannelArchivedAsync"/>).
/// Slack gets its 200 at once; the work runs right after (<see cref="SlackBackgroundWork"/>). Only events for
/// this JitBot's workspace and app count (<see cref="SlackEventOrigin"/>). A delivery Slack repeats (a retry,
/// <c>X-Slack-Retry-Num</c>, carries the same <c>event_id</c>) is dropped by the dispatcher within one process
/// and by <see cref="ISeenKeyStore"/> across replicas and restarts, so it is handled at most once.
/// </summary>
public sealed class ChannelArchiveHandler(string eventType, SlackBackgroundWork work) : ISlackEventHandler
{
    public const string PublicChannel = "channel_archive";
    public const string PrivateChannel = "group_archive";

    /// <summary>How long an event id is remembered in the store: Slack retries a delivery for about an hour.</summary>
    public static readonly TimeSpan EventWindow = TimeSpan.FromHours(24);

    public string EventType => eventType;

    public Task HandleAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        work.Enqueue($"{eventType} event {LogText.Safe(envelope.EventId)}", (services, ct) => ProcessAsync(services, envelope, ct));
        return Task.CompletedTask;
    }

    async Task ProcessAsync(IServiceProvider services, EventEnvelope envelope, CancellationToken cancellationToken)
    {
        var logger = services.GetRequiredService<ILogger<ChannelArchiveHandler>>();
        if (!await services.GetRequiredService<SlackEventOrigin>().IsOursAsync(envelope, cancellationToken)) return;
        if (Text(envelope.Event, "channel") is not { Length: > 0 } channel)
        {
            logger.LogWarning("Ignored a Slack {EventType} event {EventId} that names no channel", eventType, LogText.Safe(envelope.EventId));
            return;
        }
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (envelope.EventId is { Length: > 0 } eventId
            && !await services.GetRequiredService<ISeenKeyStore>().FirstSeenAsync($"slack-event:{eventId}", now, EventWindow, cancellationToken))
        {
            logger.LogDebug("Slack delivered {EventType} event {EventId} again; it was handled already", eventType, LogText.Safe(eventId));
            return;
        }
        var at = envelope.EventTime is { } seconds && seconds > 0 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : now;
        var archivedBy = Text(envelope.Event, "user");
        logger.LogInformation("Channel {Channel} was archived by {UserId} ({EventType})", LogText.Safe(channel), LogText.Safe(archivedBy), eventType);
        try
        {
            await services.GetRequiredService<IIncidentChannelEvents>().ChannelArchivedAsync(channel, archivedBy, at, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Slack has its 200 and will not send the event again; the incident sweep's channel check covers it.
            logger.LogError(e, "Handling the archive of channel {Channel} failed; an incident open there did not end with it yet. " +
                "The incident sweep asks Slack about open incidents' channels every few minutes (Incidents:ArchiveCheckMinutes) " +
                "and ends it then; if that check is off, end it with /access incident end or let it reach its maximum length.", LogText.Safe(channel));
        }
    }

    static string? Text(JsonElement? element, string property) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
