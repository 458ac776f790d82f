using JitBot.Audit;
using JitBot.Grants;
using JitBot.Policies;
using JitBot.Providers;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Fakes;

/// <summary>
/// The lifecycle services wired by hand over a real temporary SQLite file, a fake clock, a fake policy, a
/// fake directory, a recording notifier and a fake provider. <see cref="RestartAsync"/> builds new instances
/// on the same file, as a process restart would.
/// </summary>
public sealed class CoreHarness : IAsyncDisposable
{
    /// <summary>Where the harness clock starts unless a test brings its own: a Monday, 09:00 UTC.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    readonly string _folder;
    readonly bool _ownsFolder;

    public CoreHarness(FakeTimeProvider? time = null, string? folder = null, FakePolicy? policy = null, FakeGroupDirectory? directory = null,
        RecordingNotifier? notifier = null, FakeProvider? provider = null)
    {
        _ownsFolder = folder is null;
        _folder = folder ?? Path.Combine(Path.GetTempPath(), "jitbot-tests", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(_folder);
        Time = time ?? new FakeTimeProvider(Start);
        Policy = policy ?? new FakePolicy();
        Directory_ = directory ?? new FakeGroupDirectory();
        Notifier = notifier ?? new RecordingNotifier();
        Provider = provider ?? new FakeProvider();

        Signal = new OutboxSignal();
        Store = new SqliteAccessStore($"Data Source={DatabasePath}", Signal);
        Providers = new AccessProviderRegistry([Provider, new RecordOnlyProvider(NullLogger<RecordOnlyProvider>.Instance)]);
        Scheduler = new RecordingScheduler();
        Provisioner = new GrantProvisioner(Store, Providers, Scheduler, Time, NullLogger<GrantProvisioner>.Instance);
        Revoker = new GrantRevoker(Store, Providers, Scheduler, Time, NullLogger<GrantRevoker>.Instance);
        Requests = new RequestService(Store, Policy, Directory_, Provisioner, Scheduler, Time, NullLogger<RequestService>.Instance);
        Sweeper = new ExpirySweeper(Store, Revoker, Requests, Provisioner, Time, NullLogger<ExpirySweeper>.Instance);
        var services = new ServiceCollection().AddSingleton<IAccessNotifier>(Notifier).BuildServiceProvider();
        Dispatcher = new NotificationDispatcher(Store, Signal, services.GetRequiredService<IServiceScopeFactory>(), Time, NullLogger<NotificationDispatcher>.Instance);
        Audit = new StoreAuditLog(Store);
    }

    public string Folder => _folder;
    public string DatabasePath => Path.Combine(_folder, "jitbot.db");
    public FakeTimeProvider Time { get; }
    public FakePolicy Policy { get; }
    public FakeGroupDirectory Directory_ { get; }
    public RecordingNotifier Notifier { get; }
    public FakeProvider Provider { get; }
    public OutboxSignal Signal { get; }
    public SqliteAccessStore Store { get; }
    public AccessProviderRegistry Providers { get; }
    public RecordingScheduler Scheduler { get; }
    public GrantProvisioner Provisioner { get; }
    public GrantRevoker Revoker { get; }
    public RequestService Requests { get; }
    public ExpirySweeper Sweeper { get; }
    public NotificationDispatcher Dispatcher { get; }
    public IAuditLog Audit { get; }

    public static CancellationToken Ct => TestContext.Token;

    /// <summary>New service instances over the same database file, clock, policy and outside world.</summary>
    public CoreHarness Restart() => new(Time, _folder, Policy, Directory_, Notifier, Provider);

    public Task<SubmitOutcome> SubmitAsync(string requester, string resource, TimeSpan? duration = null, string? channelName = "dev-help") =>
        Requests.SubmitAsync(new NewAccessRequest(requester, resource, duration, "INC-4312 payouts stuck", "C0REQUEST", channelName), Ct);

    public async ValueTask DisposeAsync()
    {
        if (!_ownsFolder) return;
        SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        await Task.CompletedTask;
    }
}

static class TestContext
{
    public static CancellationToken Token => CancellationToken.None;
}
