using JitBot.Audit;
using JitBot.Grants;
using JitBot.Providers;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace JitBot.Hosting;

/// <summary>
/// The access lifecycle: storage, requests, grants, providers, audit, Quartz expiry, the sweep and the
/// notification outbox. The policy source, the notifier and the group directory come from elsewhere
/// (<c>IPolicySource</c>, <c>IAccessNotifier</c>, <c>IGroupDirectory</c>).
/// </summary>
public static class CoreServices
{
    public static IHostApplicationBuilder AddJitBotCore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var connectionString = SqliteAccessStore.PrepareConnectionString(
            builder.Configuration[$"{StorageOptions.Section}:{nameof(StorageOptions.ConnectionString)}"] ?? StorageOptions.DefaultConnectionString);

        services.TryAddSingleton(TimeProvider.System);

        // Storage: one SQLite file for JitBot's tables and Quartz's; the schema is migrated before anything starts.
        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .PostConfigure(o => o.ConnectionString = connectionString);
        services.TryAddSingleton<OutboxSignal>();
        services.TryAddSingleton<SqliteAccessStore>();
        services.TryAddSingleton<IAccessStore>(sp => sp.GetRequiredService<SqliteAccessStore>());
        services.TryAddSingleton<IMessageRefStore>(sp => sp.GetRequiredService<SqliteAccessStore>());
        services.AddHostedService<StorageMigrationService>();

        services.TryAddSingleton<IAuditLog, StoreAuditLog>();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAccessProvider, RecordOnlyProvider>());
        services.TryAddSingleton<AccessProviderRegistry>();

        services.TryAddSingleton<IGrantScheduler, QuartzGrantScheduler>();
        services.TryAddSingleton<GrantProvisioner>();
        services.TryAddSingleton<GrantRevoker>();
        services.TryAddSingleton<RequestService>();
        services.TryAddSingleton<IAccessRequests>(sp => sp.GetRequiredService<RequestService>());
        services.TryAddSingleton<IRequestTimeouts>(sp => sp.GetRequiredService<RequestService>());
        services.TryAddSingleton<AskableResources>();
        services.TryAddSingleton<ExpirySweeper>();
        services.TryAddSingleton<NotificationDispatcher>();
        services.AddTransient<RevokeGrantJob>();
        services.AddTransient<PendingTimeoutJob>();

        services.AddQuartz(q =>
        {
            q.UsePersistentStore(store =>
            {
                store.UseSqlite(connectionString);
                store.UseSystemTextJsonSerializer();
                store.ProvisionSchema();
                // SQLite has one writer at a time; Quartz would switch this on for SQLite anyway.
                store.ConfigureStore(o => o.AcquireTriggersWithinLock = true);
            });
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);

        services.AddHostedService<ExpirySweepService>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationDispatcher>());
        return builder;
    }
}

/// <summary>Creates or migrates the schema when the host starts, before Quartz and the lifecycle services.</summary>
public sealed class StorageMigrationService(IAccessStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
