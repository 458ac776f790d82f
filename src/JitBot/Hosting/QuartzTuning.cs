using JitBot.Grants;
using Quartz;

namespace JitBot.Hosting;

/// <summary>
/// The Quartz settings both stores share, chosen for revocation (docs/lifecycle.md, "Revocation at scale"):
/// <list type="bullet">
/// <item><b>Thread pool</b> (<c>MaxConcurrency</c>) = <see cref="GrantsOptions.RevokeConcurrency"/>: a revocation job
///   waits while <see cref="RevocationBatcher"/> revokes its grant, so this many jobs keep the batcher full; more
///   would only hold triggers this process cannot start yet, which in a cluster no other replica may fire either.</item>
/// <item><b>Batch trigger acquisition</b>: Quartz's automatic choice — on the database, every trigger already due in
///   one round, up to the pool size; in memory, one at a time (there a round is a lock, not a round trip). The fire-
///   ahead window stays zero, so nothing fires early: the revoker would only put an early trigger back.</item>
/// <item><b>Misfire threshold</b> <see cref="MisfireThreshold"/>: a trigger later than this is handed to the misfire
///   handler (fire now). It is kept well above a busy minute's lateness so that a backlog is fired by the ordinary,
///   batched acquisition; grants overdue after a restart or an outage are revoked by the start-up sweep anyway.</item>
/// </list>
/// </summary>
public static class QuartzTuning
{
    public static readonly TimeSpan MisfireThreshold = TimeSpan.FromSeconds(60);

    /// <summary>How many jobs run at once: the number of grants the batcher may revoke at once (validated by <see cref="GrantsOptionsValidator"/>).</summary>
    public static int MaxConcurrency(GrantsOptions grants) => grants.RevokeConcurrency;

    public static void Apply(IQuartzBuilder quartz, GrantsOptions grants)
    {
        quartz.UseDefaultThreadPool(MaxConcurrency(grants));
        quartz.ConfigureScheduler(s => s.BatchTriggerAcquisitionFireAheadTimeWindow = TimeSpan.Zero);
    }
}
