using JitBot.Grants;
using JitBot.Hosting;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace JitBot.Tests.Grants;

/// <summary>The lifecycle wired by <see cref="CoreServices.AddJitBotCore"/> in a real host with real Quartz.</summary>
public sealed class CoreServicesHostTests : IAsyncLifetime
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), "jitbot-tests", Guid.NewGuid().ToString("n"));
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    HostApplicationBuilder Builder(FakePolicy policy, RecordingNotifier notifier)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["Storage:ConnectionString"] = Path.Combine(_folder, "data", "jitbot.db");
        builder.AddJitBotCore();
        builder.Services.AddSingleton<IPolicySource>(policy);
        builder.Services.AddSingleton<IAccessNotifier>(notifier);
        builder.Services.AddSingleton<IGroupDirectory>(new FakeGroupDirectory());
        return builder;
    }

    [Fact]
    public void AddJitBotCore_LeavesPolicyNotifierAndDirectoryToOthers()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["Storage:ConnectionString"] = Path.Combine(_folder, "x.db");

        builder.AddJitBotCore();

        Assert.DoesNotContain(builder.Services, d => d.ServiceType == typeof(IPolicySource));
        Assert.DoesNotContain(builder.Services, d => d.ServiceType == typeof(IAccessNotifier));
        Assert.DoesNotContain(builder.Services, d => d.ServiceType == typeof(IGroupDirectory));
        Assert.Contains(builder.Services, d => d.ServiceType == typeof(IAccessRequests));
        Assert.Contains(builder.Services, d => d.ServiceType == typeof(IMessageRefStore));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("litedb")]
    [InlineData("LiteDB")]
    public void StorageProvider_IsLiteDbByDefault(string? setting)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["Storage:Provider"] = setting;

        builder.AddJitBotCore();

        Assert.Contains(builder.Services, d => d.ServiceType == typeof(JitBot.Storage.LiteDb.LiteDbAccessStore));
    }

    [Theory]
    [InlineData("-100")]
    [InlineData("0")]
    [InlineData("5000")]
    public void ARevokeConcurrencyOutOfRange_IsRefusedByTheValidator_NotByQuartzsSetUp(string value)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["Storage:Provider"] = "postgres";
        builder.Configuration["Storage:ConnectionString"] = "Host=db.internal;Database=jitbot;Username=jitbot;Password=x";
        builder.Configuration["Grants:RevokeConcurrency"] = value;

        builder.AddJitBotCore(); // Quartz is set up from the configuration before the options are validated

        var services = builder.Services.BuildServiceProvider();
        var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GrantsOptions>>().Value);
        Assert.Contains("Grants:RevokeConcurrency", e.Message);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("Postgres")]
    public void StorageProvider_Postgres_UsesThePostgresStore_AndRebuildsNoScheduleInMemory(string setting)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["Storage:Provider"] = setting;
        builder.Configuration["Storage:ConnectionString"] = "Host=db.internal;Database=jitbot;Username=jitbot;Password=x";

        builder.AddJitBotCore();

        Assert.Contains(builder.Services, d => d.ServiceType == typeof(JitBot.Storage.Postgres.PostgresAccessStore));
        Assert.DoesNotContain(builder.Services, d => d.ImplementationType == typeof(ScheduleRestoreService));
    }

    [Fact]
    public void StorageProvider_Postgres_WithAConnectionStringThatIsNotOne_StopsStartUp_WithItsSentence()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["Storage:Provider"] = "postgres";
        builder.Configuration["Storage:ConnectionString"] = "data/jitbot.db";

        var error = Assert.ThrowsAny<Exception>(() => builder.AddJitBotCore().Services.BuildServiceProvider().GetRequiredService<IAccessStore>());

        Assert.StartsWith("The setting Storage:ConnectionString is not set for PostgreSQL", StartupErrors.Explain(error)[0]);
    }

    [Fact]
    public void StorageProvider_ThatJitBotDoesNotKnow_StopsStartUp_ListingTheAcceptedValues()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["Storage:Provider"] = "sqlite";

        var error = Assert.Throws<StartupException>(() => builder.AddJitBotCore());

        var sentence = Assert.Single(error.Problems);
        Assert.StartsWith("The setting Storage:Provider is \"sqlite\", which JitBot does not know; the accepted values are litedb, postgres.", sentence);
        Assert.Contains("Storage__Provider", sentence);
    }

    [Fact]
    public async Task Host_MigratesGrantsSchedulesRevocationAndDeliversNotices()
    {
        var policy = new FakePolicy().AutoApprove("staging-db", TimeSpan.FromHours(1), providerType: "record");
        var notifier = new RecordingNotifier();
        using var host = Builder(policy, notifier).Build();
        await host.StartAsync(Ct);
        try
        {
            var requests = host.Services.GetRequiredService<IAccessRequests>();

            var outcome = await (await requests.SubmitAsync(new NewAccessRequest("U0REQ", "staging-db", null, "deploy check", "C0X", "dev"), Ct)).FinishedAsync();

            Assert.Equal(RequestState.Granted, outcome.Request.State);
            var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(Ct);
            var trigger = await scheduler.GetTrigger(RevokeGrantJob.TriggerKeyFor(outcome.Grant!.Id), Ct);
            Assert.NotNull(trigger);
            Assert.Equal(outcome.Grant.ExpiresAt, trigger.NextFireTimeUtc);
            await host.Services.GetRequiredService<NotificationDispatcher>().WaitForIdleAsync(Ct);
            Assert.Equal(["GrantStarted"], notifier.KindsFor(outcome.Request.Id));
            Assert.True(File.Exists(Path.Combine(_folder, "data", "jitbot.db")));
        }
        finally
        {
            await host.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task Host_Restarted_SchedulesTheRevocationOfEveryStoredGrantBeforeQuartzStarts()
    {
        var policy = new FakePolicy().AutoApprove("staging-db", TimeSpan.FromHours(1), providerType: "record");
        var notifier = new RecordingNotifier();
        Grant grant;
        using (var host = Builder(policy, notifier).Build())
        {
            await host.StartAsync(Ct);
            grant = (await host.Services.GetRequiredService<IAccessRequests>()
                .SubmitAsync(new NewAccessRequest("U0REQ", "staging-db", null, "deploy check", "C0X", "dev"), Ct)).Grant!;
            await host.StopAsync(Ct);
        }

        using (var host = Builder(policy, notifier).Build())
        {
            await host.StartAsync(Ct);
            try
            {
                var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(Ct);
                var trigger = await scheduler.GetTrigger(RevokeGrantJob.TriggerKeyFor(grant.Id), Ct);
                Assert.NotNull(trigger);
                Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(grant.ExpiresAt.ToUnixTimeMilliseconds()), trigger.NextFireTimeUtc);
            }
            finally
            {
                await host.StopAsync(Ct);
            }
        }
    }

    [Fact]
    public async Task Host_RestartedAfterExpiry_RevokesOnStartupSweep()
    {
        var policy = new FakePolicy().AutoApprove("staging-db", TimeSpan.FromHours(1), providerType: "record");
        var notifier = new RecordingNotifier();
        var clock = new FakeTimeProvider(CoreHarness.Start);
        GrantId grantId;

        var first = Builder(policy, notifier);
        first.Services.AddSingleton<TimeProvider>(clock);
        using (var host = first.Build())
        {
            await host.StartAsync(Ct);
            var outcome = await host.Services.GetRequiredService<IAccessRequests>()
                .SubmitAsync(new NewAccessRequest("U0REQ", "staging-db", null, "deploy check", "C0X", "dev"), Ct);
            grantId = outcome.Grant!.Id;
            await host.StopAsync(Ct);
        }

        clock.Advance(TimeSpan.FromHours(2));
        var second = Builder(policy, notifier);
        second.Services.AddSingleton<TimeProvider>(clock);
        using (var host = second.Build())
        {
            await host.StartAsync(Ct);
            try
            {
                var store = host.Services.GetRequiredService<IAccessStore>();
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
                while ((await store.FindGrantAsync(grantId, Ct))!.Grant.State == GrantState.Active && DateTime.UtcNow < deadline)
                    await Task.Delay(20, Ct);

                Assert.Equal(GrantState.Expired, (await store.FindGrantAsync(grantId, Ct))!.Grant.State);
                await host.Services.GetRequiredService<NotificationDispatcher>().WaitForIdleAsync(Ct);
                Assert.Contains("GrantEnded", notifier.Calls.Select(c => c.Kind));
            }
            finally
            {
                await host.StopAsync(Ct);
            }
        }
    }
}
