using System.Diagnostics.Metrics;
using JitBot.Common;

namespace JitBot.Grants;

/// <summary>
/// The grant instruments on the <c>JitBot</c> meter (besides <see cref="RevocationLateness"/>):
/// <c>jitbot.grants.active</c>, the active grants as last counted by <see cref="ActiveGrantsMonitor"/> (every replica
/// counts the shared store), and <c>jitbot.revocation.failures</c>, every failed revoke attempt, tagged with the
/// provider type, counted by <see cref="GrantRevoker"/>.
/// </summary>
public sealed class GrantMetrics
{
    public const string ActiveInstrument = "jitbot.grants.active";
    public const string RevokeFailuresInstrument = "jitbot.revocation.failures";

    readonly Counter<long> revokeFailures;
    long active = -1;

    public GrantMetrics(JitBotMetrics metrics)
    {
        metrics.Meter.CreateObservableGauge(ActiveInstrument, Observe, "{grant}",
            "Active grants in the store, as last counted (every 30 s)");
        revokeFailures = metrics.Meter.CreateCounter<long>(RevokeFailuresInstrument, "{attempt}",
            "Revoke attempts that failed (the access is still in place and is tried again), by provider type");
    }

    /// <summary>The last count, or nothing before the first one (so no made-up zero is exported).</summary>
    IEnumerable<Measurement<long>> Observe() =>
        Interlocked.Read(ref active) is var count and >= 0 ? [new Measurement<long>(count)] : [];

    /// <summary>The active grants as just counted.</summary>
    public void RecordActive(int count) => Interlocked.Exchange(ref active, count);

    /// <summary>One revoke attempt of a grant of <paramref name="providerType"/> failed.</summary>
    public void RevokeFailed(string providerType) => revokeFailures.Add(1, new KeyValuePair<string, object?>("provider", providerType));
}
