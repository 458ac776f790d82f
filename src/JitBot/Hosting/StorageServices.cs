using JitBot.Grants;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.Storage.LiteDb;
using JitBot.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Quartz;

namespace JitBot.Hosting;

/// <summary>
/// One database provider: the store it registers and where Quartz keeps its jobs with it.
/// </summary>
public sealed record StorageProvider(
    string Name,
    Action<IServiceCollection> AddStore,
    Action<IQuartzBuilder, StorageOptions, GrantsOptions> ConfigureQuartz);

/// <summary>The databases JitBot can keep its state in, chosen by <c>Storage:Provider</c>.</summary>
public static class StorageServices
{
    /// <summary>Every provider, by name (<c>Storage:Provider</c>, case-insensitive). Adding one is one line here.</summary>
    public static readonly IReadOnlyList<StorageProvider> Providers =
    [
        new("litedb", AddLiteDb, (q, _, _) => q.UseInMemoryStore(o => o.MisfireThreshold = QuartzTuning.MisfireThreshold)),
        new("postgres", AddPostgres, QuartzCluster.Configure),
    ];

    /// <summary>The provider <c>Storage:Provider</c> names; start-up stops with a sentence for a name JitBot does not know.</summary>
    public static StorageProvider Find(string? name)
    {
        var wanted = string.IsNullOrWhiteSpace(name) ? StorageOptions.DefaultProvider : name.Trim();
        return Providers.FirstOrDefault(p => string.Equals(p.Name, wanted, StringComparison.OrdinalIgnoreCase))
               ?? throw new StartupException([Settings.Invalid(StorageOptions.ProviderKey,
                   $"is \"{Printable(wanted)}\", which JitBot does not know; the accepted values are {string.Join(", ", Providers.Select(p => p.Name))}")]);
    }

    static string Printable(string value) =>
        new(value.Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    /// <summary>
    /// LiteDB: one process, one file. Quartz keeps its jobs in memory and they are rebuilt at start-up from the
    /// stored grants and pending requests (<see cref="ScheduleRestoreService"/>, <see cref="Requests.ApprovalStepRestoreService"/>).
    /// </summary>
    static void AddLiteDb(IServiceCollection services)
    {
        services.TryAddSingleton<LiteDbAccessStore>();
        services.TryAddSingleton<IAccessStore>(sp => sp.GetRequiredService<LiteDbAccessStore>());
        services.AddHostedService<ScheduleRestoreService>();
        services.AddHostedService<Requests.ApprovalStepRestoreService>();
    }

    /// <summary>
    /// PostgreSQL: any number of replicas on one database. Quartz keeps its jobs in the same database and runs
    /// clustered (<see cref="QuartzCluster"/>), so nothing is rebuilt at start-up: a replica that dies leaves its
    /// jobs to the others.
    /// </summary>
    static void AddPostgres(IServiceCollection services)
    {
        // The pool is sized from the settings that draw on it (PostgresPools); Quartz has a pool of its own.
        services.TryAddSingleton(sp => new PostgresAccessStore(
            sp.GetRequiredService<IOptions<StorageOptions>>(), sp.GetRequiredService<OutboxSignal>(), sp.GetRequiredService<TimeProvider>(),
            PostgresPools.StoreRule(sp.GetRequiredService<IOptions<GrantsOptions>>().Value, sp.GetRequiredService<IOptions<NotificationOptions>>().Value)));
        services.TryAddSingleton<IAccessStore>(sp => sp.GetRequiredService<PostgresAccessStore>());
    }
}
