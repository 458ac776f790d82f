using System.Diagnostics.Metrics;
using JitBot.Common;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// Whether a signed Events API delivery is for this JitBot: its <c>team_id</c> and <c>api_app_id</c> must be the
/// workspace and app <see cref="SlackWorkspace"/> knows. Any other event is ignored: counted (the metric
/// <c>jitbot.slack.events.ignored</c> and a running count in the log line) and logged in one warning line.
/// </summary>
public sealed class SlackEventOrigin(SlackWorkspace workspace, JitBotMetrics metrics, ILogger<SlackEventOrigin> logger)
{
    readonly Counter<long> ignoredCounter = metrics.Meter.CreateCounter<long>("jitbot.slack.events.ignored", "{event}",
        "Signed Events API deliveries ignored because they are not for this JitBot's workspace and app");
    long ignored;

    /// <summary>How many events were ignored since start.</summary>
    public long Ignored => Interlocked.Read(ref ignored);

    /// <summary>True when the event is for this JitBot; otherwise false, after counting and logging it.</summary>
    public async Task<bool> IsOursAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        var why = await workspace.IdentityAsync(cancellationToken) is not { } us
            ? "JitBot does not know its own Slack workspace and app yet"
            : us.WhyNotOurs(envelope.TeamId, envelope.ApiAppId);
        if (why is null) return true;
        var count = Interlocked.Increment(ref ignored);
        ignoredCounter.Add(1);
        logger.LogWarning("Ignored a Slack {EventType} event {EventId} from workspace {TeamId}, app {AppId}: {Why} ({Count} ignored since start)",
            LogText.Safe(envelope.EventType), LogText.Safe(envelope.EventId), LogText.Safe(envelope.TeamId), LogText.Safe(envelope.ApiAppId), why, count);
        return false;
    }
}
