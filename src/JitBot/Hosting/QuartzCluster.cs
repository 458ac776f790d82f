using JitBot.Grants;
using JitBot.Storage;
using JitBot.Storage.Postgres;
using Npgsql;
using Quartz;

namespace JitBot.Hosting;

/// <summary>
/// Quartz for several replicas: its ADO job store in the PostgreSQL database JitBot uses (tables <c>qrtz_*</c> in
/// the schema <c>jitbot</c>, created at start-up when missing), clustered. Every replica checks in every
/// <see cref="CheckinInterval"/>; one that has not checked in for <see cref="CheckinInterval"/> +
/// <see cref="CheckinMisfireThreshold"/> is taken for dead and the others take over its triggers, so a replica
/// killed mid-flight delays a revocation by at most about twice the check-in interval plus the threshold.
/// </summary>
public static class QuartzCluster
{
    /// <summary>The scheduler name every replica shares: Quartz's cluster is the replicas with the same name on one database.</summary>
    public const string SchedulerName = "JitBot";

    /// <summary>How often each replica tells the others it is alive.</summary>
    public static readonly TimeSpan CheckinInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long past a missed check-in the others wait before taking a replica's triggers over.</summary>
    public static readonly TimeSpan CheckinMisfireThreshold = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a replica with nothing due waits before asking the database again, which is also how far ahead it
    /// takes triggers: short, so a trigger another replica scheduled is picked up on time.
    /// </summary>
    public static readonly TimeSpan IdleWaitTime = TimeSpan.FromSeconds(2);

    public static void Configure(IQuartzBuilder quartz, StorageOptions options, GrantsOptions grants) =>
        Configure(quartz, ConnectionString(options, grants));

    /// <summary>
    /// Quartz's connection string: the store's server and credentials, JitBot's schema (which the store's
    /// migrations create before Quartz starts) and a pool of its own (<see cref="PostgresPools.Quartz"/>), told
    /// apart from the store's by its application name, so that neither can take the other's connections.
    /// </summary>
    public static string ConnectionString(StorageOptions options, GrantsOptions grants) =>
        new NpgsqlConnectionStringBuilder(PostgresConnection.Parse(options.ConnectionString).ConnectionString)
        {
            SearchPath = PostgresMigrations.Schema,
            ApplicationName = PostgresPools.QuartzApplicationName,
            MaxPoolSize = PostgresPools.Quartz(grants),
        }.ConnectionString;

    static void Configure(IQuartzBuilder quartz, string connectionString)
    {
        quartz.ConfigureScheduler(s =>
        {
            s.InstanceName = SchedulerName;
            s.IdleWaitTime = IdleWaitTime;
        });
        quartz.UsePersistentStore(store =>
        {
            store.UsePostgres(connectionString);
            store.UseSystemTextJsonSerializer();
            store.ProvisionSchema();
            store.UseClustering(c =>
            {
                c.CheckinInterval = CheckinInterval;
                c.CheckinMisfireThreshold = CheckinMisfireThreshold;
            });
            store.ConfigureStore(o =>
            {
                o.CommandTimeout = TimeSpan.FromSeconds(PostgresConnection.DefaultCommandTimeoutSeconds);
                o.MisfireThreshold = QuartzTuning.MisfireThreshold;
                // A new job and trigger are rows inserted in one transaction, invisible to every other session
                // until it commits: PostgreSQL keeps scheduling and acquisition apart by itself, so scheduling a
                // new revocation takes no TRIGGER_ACCESS lock (every grant schedules one; under that one lock
                // they queued, each holding a pooled connection). Replacing a trigger still takes the lock.
                o.LockOnInsert = false;
            });
        });
    }
}
