using JitBot.Grants;
using JitBot.Requests;
using JitBot.Storage.Postgres;

namespace JitBot.Hosting;

/// <summary>
/// How many PostgreSQL connections a replica may open, from the settings that draw on them (docs/lifecycle.md,
/// "PostgreSQL", and docs/decisions.md). Two pools, so that neither can starve the other:
/// <list type="bullet">
/// <item><b>The store</b>: <see cref="GrantsOptions.RevokeConcurrency"/> (Quartz's threads, each of which may run a
///   job that opens a store transaction: a pending request's timeout; revocation's own batch steps need fewer) +
///   <see cref="NotificationOptions.Senders"/> (each sender holds at most one connection at a time) +
///   <see cref="RequestHeadroom"/> (Slack's requests being answered, the sweep, the reconciler and the backlog
///   monitor). A <c>Maximum Pool Size</c> in <c>Storage:ConnectionString</c> replaces this figure, but not below
///   <see cref="LeastStore"/>.</item>
/// <item><b>Quartz's job store</b> (its own pool: its connection string names <see cref="QuartzApplicationName"/>):
///   its thread pool (<see cref="QuartzTuning.MaxConcurrency"/>, each firing completes in a transaction of its
///   own) + <see cref="QuartzOwnThreads"/> (the scheduler's trigger acquisition, the cluster check-in and the
///   misfire handler) + <see cref="RequestHeadroom"/> (requests scheduling a grant's expiry or a timeout).</item>
/// </list>
/// Connections are opened only when needed and closed after idling, so these are ceilings, not what a quiet replica holds.
/// </summary>
public static class PostgresPools
{
    /// <summary>Connections kept for the work that is neither a sender nor a Quartz thread: Slack's requests first.</summary>
    public const int RequestHeadroom = 32;

    /// <summary>Quartz's own threads that use its job store besides the thread pool.</summary>
    public const int QuartzOwnThreads = 3;

    /// <summary>The application name of Quartz's connections (pg_stat_activity tells the two pools apart by it).</summary>
    public const string QuartzApplicationName = "jitbot-quartz";

    /// <summary>The store's pool when the connection string names no <c>Maximum Pool Size</c>.</summary>
    public static int Store(GrantsOptions grants, NotificationOptions notifications) =>
        grants.RevokeConcurrency + notifications.Checked().Senders + RequestHeadroom;

    /// <summary>
    /// The least <c>Maximum Pool Size</c> the store accepts: every sender holding a connection must still leave some
    /// for Slack's requests and for revocation, or an acknowledged command could find no connection at all.
    /// </summary>
    public static int LeastStore(NotificationOptions notifications) => notifications.Checked().Senders + 4;

    /// <summary>Quartz's pool: its threads, its own threads and the requests that schedule.</summary>
    public static int Quartz(GrantsOptions grants) => QuartzTuning.MaxConcurrency(grants) + QuartzOwnThreads + RequestHeadroom;

    /// <summary>The store's pool rule, as <see cref="PostgresAccessStore"/> applies it.</summary>
    public static PostgresPoolSize StoreRule(GrantsOptions grants, NotificationOptions notifications) =>
        new(Store(grants, notifications), LeastStore(notifications),
            $"{NotificationOptions.Section}:Senders is {notifications.Checked().Senders}, and each sender may hold a connection while Slack's requests need some too");
}
