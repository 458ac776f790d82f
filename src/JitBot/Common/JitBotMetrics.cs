using System.Diagnostics.Metrics;

namespace JitBot.Common;

/// <summary>
/// The meter <c>JitBot</c> (System.Diagnostics.Metrics), made by the host's <see cref="IMeterFactory"/>, so any
/// exporter listening to it (OpenTelemetry, <c>dotnet-counters monitor --counters JitBot</c>) sees every JitBot
/// metric; <c>GET /metrics</c> serves them (<c>Hosting/MetricsExport</c>; the list is in docs/operations.md). The
/// outbox gauges are declared here and show the last value measured; other areas create their instruments on
/// <see cref="Meter"/> where they measure (<c>Requests/RequestMetrics</c>, <c>Grants/GrantMetrics</c>,
/// <c>Grants/RevocationLateness</c>, the Slack client's <c>SlackApiMetrics</c>, <c>SlackApp/SlackEventOrigin</c>).
/// </summary>
public sealed class JitBotMetrics
{
    public const string MeterName = "JitBot";

    long _outboxDepth;
    long _outboxOldestAgeMs;

    public JitBotMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        Meter.CreateObservableGauge("jitbot.outbox.depth", () => Interlocked.Read(ref _outboxDepth),
            "{notice}", "Notices queued in the outbox and not delivered yet");
        Meter.CreateObservableGauge("jitbot.outbox.oldest_age", () => Interlocked.Read(ref _outboxOldestAgeMs) / 1000.0,
            "s", "How long the oldest undelivered notice has been waiting (0 when none is)");
    }

    /// <summary>The meter, for instruments a service declares next to the ones above.</summary>
    public Meter Meter { get; }

    /// <summary>The outbox as last measured (<c>Requests/OutboxBacklogMonitor</c>).</summary>
    public void RecordOutboxBacklog(int depth, TimeSpan oldestAge)
    {
        Interlocked.Exchange(ref _outboxDepth, depth);
        Interlocked.Exchange(ref _outboxOldestAgeMs, (long)Math.Max(0, oldestAge.TotalMilliseconds));
    }
}
