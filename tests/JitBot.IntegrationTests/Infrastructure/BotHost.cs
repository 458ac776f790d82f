using JitBot.SlackApp;
using JitBot.Storage;
using JitBot.Storage.LiteDb;
using JitBot.TestSupport.Secrets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// The real JitBot host (Program) on a test database (a LiteDB file in a temp folder unless a test brings
/// another, <see cref="BotStorage"/>), the fake clock, and Slack:ApiBaseUrl pointing at the fake Slack. Stop it
/// and start another on the same database to test restarts.
/// </summary>
public sealed class BotHost : IAsyncDisposable
{
    public const string SigningSecret = "integration-test-signing-secret";

    readonly Factory factory;
    readonly TextWriter? collectedLog;

    BotHost(Factory factory, FakeSlack slack, FakeTimeProvider clock, TextWriter? collectedLog)
    {
        this.factory = factory;
        this.collectedLog = collectedLog;
        Slack = slack;
        Clock = clock;
        Signer = new SlackSigner(SigningSecret, clock) { ResponseUrls = slack.NewResponseUrl };
    }

    public FakeSlack Slack { get; }
    public FakeTimeProvider Clock { get; }
    public SlackSigner Signer { get; }
    public HttpClient Client { get; private set; } = null!;
    public IServiceProvider Services => factory.Services;

    /// <summary>A database file in a new temporary folder (LiteDB keeps its log and lock files beside it).</summary>
    public static string NewDatabasePath() => Path.Combine(Directory.CreateTempSubdirectory("jitbot-it-").FullName, "jitbot.db");

    /// <summary>The policy directory used by the tests: the repository's examples.</summary>
    public static string PoliciesPath
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "JitBot.sln"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? ".", "examples", "policies");
        }
    }

    public static BotHost Start(FakeSlack slack, FakeTimeProvider clock, BotStorage? storage = null,
        Action<IServiceCollection>? services = null, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Slack:BotToken"] = FakeSlack.Token,
            ["Slack:SigningSecret"] = SigningSecret,
            ["Slack:ApiBaseUrl"] = slack.ApiBaseUrl.ToString(),
            ["Policies:Path"] = PoliciesPath,
        };
        foreach (var (k, v) in storage?.Settings ?? new Dictionary<string, string?> { ["Storage:ConnectionString"] = NewDatabasePath() }) all[k] = v;
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        // A run that collects for the secret scan (RunCollection) gets every log line: Information and up from every
        // category, Trace and up from JitBot's own (buffered, written out when the host stops).
        var log = RunCollection.Current?.Log("host", buffered: true);
        var factory = new Factory(all, clock, s =>
        {
            if (log is not null)
            {
                s.AddSingleton<ILoggerProvider>(new CollectingLoggerProvider(log));
                s.Configure<LoggerFilterOptions>(o => o.AddFilter<CollectingLoggerProvider>(null, LogLevel.Information).AddFilter<CollectingLoggerProvider>("JitBot", LogLevel.Trace));
            }
            services?.Invoke(s);
        });
        var host = new BotHost(factory, slack, clock, log);
        host.Client = factory.CreateClient();
        RunCollection.Current?.SecretsIn(factory.Services.GetRequiredService<IConfiguration>().AsEnumerable());
        return host;
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => Client.SendAsync(request);

    /// <summary>Polls <c>/readyz</c> until it answers 200 (the scheduler starts once the host has started, on real threads).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        string last;
        do
        {
            var response = await Client.GetAsync("/readyz");
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode) return;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail("The bot never became ready: " + last);
    }

    bool disposed;

    /// <summary>Stops the host; a second call (a test that stopped it itself, then its workspace) does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed) return;
        disposed = true;
        Client.Dispose();
        if (RunCollection.Current is { } run) await CollectAuditAsync(run);
        await SchedulerStartedAsync();
        var liteDb = LiteDbStore();
        // Quartz waits on the host's clock between attempts to reach its database: a host stopped while such a wait is
        // under way (a test that took the database away) would wait for a fake clock nobody advances any more. After
        // 10 s of real time, time passes a minute every 10 s until the host has stopped.
        var stopping = factory.DisposeAsync().AsTask();
        while (await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(10))) != stopping) Clock.Advance(TimeSpan.FromMinutes(1));
        await stopping;
        // The host's entry point disposes the services too, on its own thread, and may still be closing the store when
        // the factory returns: this returns once the LiteDB file is closed, so a test may open it next.
        liteDb?.Dispose();
        collectedLog?.Dispose();
    }

    /// <summary>The host's LiteDB store, when it runs on one (a host that never finished building has none).</summary>
    LiteDbAccessStore? LiteDbStore()
    {
        try
        {
            return Services.GetService<IAccessStore>() as LiteDbAccessStore;
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Waits (at most 10 s) for Quartz to finish starting: the scheduler starts on its own thread once the host has
    /// started, and Quartz's clustered job store throws from its shutdown when it is stopped before that (a test that
    /// ends within a few milliseconds of starting its replica).
    /// </summary>
    async Task SchedulerStartedAsync()
    {
        try
        {
            var scheduler = await Services.GetRequiredService<Quartz.ISchedulerFactory>().GetScheduler();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (await scheduler.GetStatus() is Quartz.SchedulerStatus.Created or Quartz.SchedulerStatus.Standby
                   && DateTime.UtcNow < deadline)
                await Task.Delay(20);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or Quartz.SchedulerException)
        {
            // A host that never finished building has nothing to wait for.
        }
    }

    /// <summary>Hands the host's audit records to the run's secret scan (a store that cannot be read any more is skipped, and says so).</summary>
    async Task CollectAuditAsync(RunCollection run)
    {
        try
        {
            var store = Services.GetRequiredService<IAccessStore>();
            var records = new List<string>();
            for (long after = 0; ;)
            {
                var page = await store.ReadAuditAsync(after, 10_000, CancellationToken.None);
                records.AddRange(SecretScanner.Audit(page).Select(r => r.Text));
                if (page.Count < 10_000) break;
                after = page[^1].Seq;
            }
            run.Audit(records);
        }
        catch (Exception e)
        {
            collectedLog?.WriteLine($"(the audit log could not be read for the scan: {e.GetType().Name})");
        }
    }

    sealed class Factory(IDictionary<string, string?> settings, FakeTimeProvider clock, Action<IServiceCollection>? services)
        : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
            builder.ConfigureTestServices(s =>
            {
                s.AddSingleton<TimeProvider>(clock);
                services?.Invoke(s);
            });
        }
    }
}
