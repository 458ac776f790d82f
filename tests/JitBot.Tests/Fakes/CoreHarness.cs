using System.Diagnostics.Metrics;
using JitBot.Audit;
using JitBot.Common;
using JitBot.Grants;
using JitBot.Incidents;
using JitBot.Policies;
using JitBot.Providers;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Fakes;

/// <summary>
/// The lifecycle services wired by hand over a real temporary database (LiteDB unless a test names another),
/// a fake clock, a fake policy, a fake directory, a recording notifier and a fake provider.
/// <see cref="Restart"/> closes the store and builds new instances on the same database, as a process restart would.
/// </summary>
public sealed class CoreHarness : IAsyncDisposable
{
    /// <summary>Where the harness clock starts unless a test brings its own: a Monday, 09:00 UTC.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    readonly bool _ownsDatabase;
    readonly bool _ownsStore;

    public CoreHarness(FakeTimeProvider? time = null, ITestDatabase? database = null, FakePolicy? policy = null, FakeGroupDirectory? directory = null,
        RecordingNotifier? notifier = null, FakeProvider? provider = null, IAccessStore? store = null, IEnumerable<ProviderInstance>? realProviders = null)
    {
        _ownsDatabase = database is null;
        _ownsStore = store is null;
        Database = database ?? new LiteDbTestDatabase();
        Time = time ?? new FakeTimeProvider(Start);
        Policy = policy ?? new FakePolicy();
        Directory_ = directory ?? new FakeGroupDirectory();
        Notifier = notifier ?? new RecordingNotifier();
        Provider = provider ?? new FakeProvider();

        Signal = new OutboxSignal();
        Store = store ?? Database.Open(Signal, Time);
        Providers = new AccessProviderRegistry([
            new ProviderInstance(ProviderTypes.DefaultInstance, Provider),
            new ProviderInstance(ProviderTypes.DefaultInstance, new RecordOnlyProvider(NullLogger<RecordOnlyProvider>.Instance)),
            .. realProviders ?? []]);
        Scheduler = new RecordingScheduler();
        GrantProviders = new GrantProviders(Providers, Policy);
        Credentials = new RecordingCredentialDelivery();
        Alerts = new GrantAlerts(Policy);
        Provisioner = new GrantProvisioner(Store, GrantProviders, Alerts, Scheduler, Credentials, Time, NullLogger<GrantProvisioner>.Instance);
        var services = new ServiceCollection().AddMetrics().AddSingleton<IAccessNotifier>(Notifier).AddSingleton<IProviderAlerts>(Notifier).BuildServiceProvider();
        Metrics = new JitBotMetrics(services.GetRequiredService<IMeterFactory>());
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        Lateness = new RevocationLateness(Metrics, options, Time, NullLogger<RevocationLateness>.Instance);
        Revoker = new GrantRevoker(Store, GrantProviders, Alerts, options, Scheduler, Lateness, Time, NullLogger<GrantRevoker>.Instance);
        Revocations = new RevocationBatcher(Revoker, options, NullLogger<RevocationBatcher>.Instance);
        Reconciler = new GrantReconciler(Store, GrantProviders, Alerts, Time, NullLogger<GrantReconciler>.Instance);
        Incidents = new IncidentService(Store, Policy, Scheduler, Time, NullLogger<IncidentService>.Instance);
        Decider = new RequestDecider(Policy, Directory_, Incidents, Time);
        Requests = new RequestService(Store, Directory_, Decider, Provisioner, Scheduler, Time, NullLogger<RequestService>.Instance, Scheduler);
        Steps = new ApprovalSteps(Store, Scheduler, Time, NullLogger<ApprovalSteps>.Instance);
        IncidentEnder = new IncidentEnder(Store, Revocations, Time, NullLogger<IncidentEnder>.Instance);
        Sweeper = new ExpirySweeper(Store, Revocations, Requests, Provisioner, Time, NullLogger<ExpirySweeper>.Instance);
        Dispatcher = new NotificationDispatcher(Store, Signal, services.GetRequiredService<IServiceScopeFactory>(), Time, NullLogger<NotificationDispatcher>.Instance);
        Audit = new StoreAuditLog(Store);
    }

    public ITestDatabase Database { get; }
    public FakeTimeProvider Time { get; }
    public FakePolicy Policy { get; }
    public FakeGroupDirectory Directory_ { get; }
    public RecordingNotifier Notifier { get; }
    public FakeProvider Provider { get; }
    public OutboxSignal Signal { get; }
    public IAccessStore Store { get; }
    public AccessProviderRegistry Providers { get; }
    public GrantProviders GrantProviders { get; }
    public RecordingCredentialDelivery Credentials { get; }
    public GrantAlerts Alerts { get; }
    public GrantReconciler Reconciler { get; }
    /// <summary>The <c>Grants</c> settings the harness runs with (a test may change them before acting).</summary>
    public GrantsOptions Options { get; } = new();
    public RecordingScheduler Scheduler { get; }
    public GrantProvisioner Provisioner { get; }
    public GrantRevoker Revoker { get; }
    /// <summary>The batcher every production path (the Quartz job, the sweep) revokes through.</summary>
    public RevocationBatcher Revocations { get; }
    /// <summary>The JitBot meter of this harness (a meter factory of its own, so parallel tests do not see each other's measurements).</summary>
    public JitBotMetrics Metrics { get; }
    public RevocationLateness Lateness { get; }
    public RequestService Requests { get; }
    /// <summary>Reminders and escalations of pending requests (woken by hand in tests: <see cref="RecordingScheduler.Steps"/> says when).</summary>
    public ApprovalSteps Steps { get; }
    public IncidentService Incidents { get; }
    public RequestDecider Decider { get; }
    public IncidentEnder IncidentEnder { get; }
    public ExpirySweeper Sweeper { get; }
    public NotificationDispatcher Dispatcher { get; }
    public IAuditLog Audit { get; }

    public static CancellationToken Ct => TestContext.Token;

    /// <summary>
    /// Closes this harness's store (the process stops) and builds new service instances over the same database,
    /// clock, policy and outside world; <paramref name="provider"/> replaces the provider when given.
    /// </summary>
    public CoreHarness Restart(FakeProvider? provider = null)
    {
        Database.Close(Store);
        return new(Time, Database, Policy, Directory_, Notifier, provider ?? Provider);
    }

    /// <summary>
    /// A second replica beside this one: new service instances on the same database, clock, policy and outside
    /// world, with a store of its own where the database allows several at once, and on this harness's store
    /// where it does not (an embedded database has one process).
    /// </summary>
    public CoreHarness Beside() =>
        new(Time, Database, Policy, Directory_, Notifier, Provider, Database.AllowsSeveralStores ? null : Store);

    /// <summary>Submits a request and, when it is auto-approved, waits until its provider has answered.</summary>
    public async Task<SubmitOutcome> SubmitAsync(string requester, string resource, TimeSpan? duration = null, string? channelName = "dev-help") =>
        await (await Requests.SubmitAsync(new NewAccessRequest(requester, resource, duration, "INC-4312 payouts stuck", "C0REQUEST", channelName), Ct)).FinishedAsync();

    public async ValueTask DisposeAsync()
    {
        if (_ownsStore) Database.Close(Store);
        if (_ownsDatabase) await Database.DisposeAsync();
    }
}

static class TestContext
{
    public static CancellationToken Token => CancellationToken.None;
}
