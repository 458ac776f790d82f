using System.Diagnostics.Metrics;

namespace JitBot.Common;

/// <summary>
/// JitBot's metrics: one <see cref="System.Diagnostics.Metrics.Meter"/> named <c>JitBot</c>, made by the host's
/// <see cref="IMeterFactory"/>, so any exporter that listens to that meter (OpenTelemetry, dotnet-counters) sees
/// them. Each area creates its instruments on <see cref="Meter"/>.
/// </summary>
public sealed class JitBotMetrics(IMeterFactory factory)
{
    public const string MeterName = "JitBot";

    public Meter Meter { get; } = factory.Create(MeterName);
}
