using JitBot.Audit;
using JitBot.Common;
using JitBot.Grants;
using JitBot.Incidents;
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
        var provider = StorageServices.Find(builder.Configuration[StorageOptions.ProviderKey]);

        services.TryAddSingleton(TimeProvider.System);

        // Storage: the provider's store, migrated before anything else starts.
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section);
        services.TryAddSingleton<OutboxSignal>();
        services.AddHostedService<StorageMigrationService>();
        provider.AddStore(services);
        services.TryAddSingleton<IMessageRefStore>(sp => sp.GetRequiredService<IAccessStore>());
        services.TryAddSingleton<ISeenKeyStore>(sp => sp.GetRequiredService<IAccessStore>());

        services.TryAddSingleton<IAuditLog, StoreAuditLog>();

        // Providers: each configured instance built once; a provider registered in code serves its type's default instance.
        services.TryAddSingleton(sp => AccessProviderRegistry.FromConfiguration(ProviderTypes.All, builder.Configuration, sp,
            sp.GetServices<ProviderInstance>().Concat(sp.GetServices<IAccessProvider>().Select(p => new ProviderInstance(ProviderTypes.DefaultInstance, p)))));

        services.AddHostedService<ProviderStartupCheck>();
        services.TryAddSingleton<GrantProviders>();
        services.TryAddSingleton<GrantAlerts>();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<GrantsOptions>, GrantsOptionsValidator>();
        services.AddOptions<GrantsOptions>().BindConfiguration(GrantsOptions.Section).ValidateOnStart();
        services.TryAddSingleton<ICredentialDelivery, NoCredentialDelivery>();
        CrashHooks.Configure(builder.Configuration);
        services.TryAddSingleton<IGrantScheduler, QuartzGrantScheduler>();
        services.TryAddSingleton<GrantProvisioner>();
        services.AddMetrics();
        services.TryAddSingleton<JitBotMetrics>();
        services.TryAddSingleton<RevocationLateness>();
        services.TryAddSingleton<GrantMetrics>();
        services.TryAddSingleton<RequestMetrics>();
        services.TryAddSingleton<GrantRevoker>();
        services.TryAddSingleton<RevocationBatcher>();
        services.TryAddSingleton<IIncidentStore>(sp => sp.GetRequiredService<IAccessStore>());
        services.TryAddSingleton<IIncidentScheduler, QuartzIncidentScheduler>();
        services.TryAddSingleton<IncidentService>();
        services.TryAddSingleton<IncidentEnder>();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<IncidentsOptions>, IncidentsOptionsValidator>();
        services.AddOptions<IncidentsOptions>().BindConfiguration(IncidentsOptions.Section).ValidateOnStart();
        services.TryAddSingleton<IncidentArchiveCheck>();
        // Replaces the Slack app's stand-in (UnhandledChannelEvents), whichever is registered first.
        services.Replace(ServiceDescriptor.Singleton<IIncidentChannelEvents>(sp => sp.GetRequiredService<IncidentEnder>()));
        services.TryAddSingleton<RequestDecider>();
        services.TryAddSingleton<IApprovalStepScheduler, QuartzApprovalStepScheduler>();
        services.TryAddSingleton<ApprovalSteps>();
        services.AddTransient<ApprovalStepJob>();
        services.TryAddSingleton<RequestService>();
        services.TryAddSingleton<IAccessRequests>(sp => sp.GetRequiredService<RequestService>());
        services.TryAddSingleton<IRequestTimeouts>(sp => sp.GetRequiredService<RequestService>());
        services.TryAddSingleton<AskableResources>();
        services.TryAddSingleton<IMyAccess>(sp => ActivatorUtilities.CreateInstance<MyAccess>(sp, sp.GetRequiredService<IAccessStore>()));
        services.TryAddSingleton<ExpirySweeper>();
        services.TryAddSingleton(sp => new ShortIds(sp.GetRequiredService<IAccessStore>()));
        services.TryAddSingleton<GrantAuthority>();
        services.TryAddSingleton<GrantRevocations>();
        services.TryAddSingleton<GrantExtender>();
        services.TryAddSingleton<IGrantActions, GrantActionService>();
        services.TryAddSingleton<ExpiryWarnings>();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateOnStart();
        services.TryAddSingleton<NotificationDispatcher>();
        services.AddTransient<RevokeGrantJob>();
        services.AddTransient<PendingTimeoutJob>();

        services.AddQuartz(q =>
        {
            var grants = builder.Configuration.GetSection(GrantsOptions.Section).Get<GrantsOptions>() ?? new();
            // Read before the options are validated: settings GrantsOptionsValidator refuses stop start-up with its
            // sentence before the scheduler starts, so until then Quartz is configured with the defaults (a negative
            // Grants:RevokeConcurrency would otherwise fail here, in Quartz's connection string, with a stack trace).
            if (new GrantsOptionsValidator().Validate(null, grants).Failed) grants = new GrantsOptions();
            QuartzTuning.Apply(q, grants);
            provider.ConfigureQuartz(q, builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new(), grants);
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);

        services.TryAddSingleton<Readiness>();
        services.AddHostedService<ExpirySweepService>();
        services.AddHostedService<ExpiryWarningService>();
        services.AddHostedService<ApprovalStepSweepService>();
        services.AddHostedService<IncidentSweepService>();
        services.TryAddSingleton<GrantReconciler>();
        services.AddHostedService<ReconcileService>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationDispatcher>());
        services.TryAddSingleton<IOutboxStore>(sp => sp.GetRequiredService<IAccessStore>());
        services.AddHostedService<OutboxBacklogMonitor>();
        services.AddHostedService<ActiveGrantsMonitor>();
        // After the dispatcher, so it stops first: the shutdown anchor is queued while the dispatcher may still send it.
        services.AddOptions<Audit.AuditOptions>().BindConfiguration(Audit.AuditOptions.Section);
        services.TryAddSingleton<Audit.AuditAnchor>();
        services.AddHostedService<Audit.AuditAnchorService>();
        return builder;
    }
}

/// <summary>Opening the store ahead of the host.</summary>
public static class StorageStartup
{
    /// <summary>
    /// Opens and migrates the store before the host starts, so that a database that cannot be used stops
    /// start-up with its sentence alone (a failure inside the host's start is also logged with a stack trace).
    /// </summary>
    public static Task OpenStorageAsync(this IServiceProvider services) =>
        services.GetRequiredService<IAccessStore>().MigrateAsync(CancellationToken.None);
}

/// <summary>Creates or migrates the schema when the host starts, before Quartz and the lifecycle services.</summary>
public sealed class StorageMigrationService(IAccessStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
