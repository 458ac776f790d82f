using System.Net;
using JitBot.Audit;
using JitBot.IntegrationTests.EndToEnd;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.TestSupport.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace JitBot.IntegrationTests.Hosting;

/// <summary>A PostgreSQL server that is not there at start-up, or goes away while JitBot runs.</summary>
public sealed class PostgresFaultTests
{
    [Fact]
    public async Task APostgresServerThatIsDown_StopsStartUp_WithOneSentenceNamingTheSettingAndTheCause()
    {
        await using var slack = await FakeSlack.StartAsync();
        var port = ClosedPort();

        await using var bot = BotProcess.Start(new Dictionary<string, string?>
        {
            ["Slack__BotToken"] = FakeSlack.Token,
            ["Slack__SigningSecret"] = BotHost.SigningSecret,
            ["Slack__ApiBaseUrl"] = slack.ApiBaseUrl.ToString(),
            ["Policies__Path"] = BotHost.PoliciesPath,
            ["Storage__Provider"] = "postgres",
            ["Storage__ConnectionString"] = $"Host=127.0.0.1;Port={port};Database=jitbot;Username=jitbot;Password=hunter2",
        });
        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains($"The setting Storage:ConnectionString names PostgreSQL 127.0.0.1:{port}/jitbot, which cannot be reached", bot.Output);
        Assert.Contains("JitBot did not start because of the problems above.", bot.Output);
        Assert.DoesNotContain("   at ", bot.Output);
        Assert.DoesNotContain("hunter2", bot.Output);
    }

    [Fact]
    public async Task DatabaseGoneWhileRunning_FailsReadiness_KeepsWhatWasCommitted_AndRevokesOnceItIsBack()
    {
        await using var w = await Workspace.StartAsync(storage: BotStorage.Postgres);
        await w.Bot.WaitUntilReadyAsync();
        Assert.Contains("approved for 1 hour", await w.AskAsync(People.Ana, "payments-db-staging for 1h because checking a migration"));
        var grantId = Assert.Single(w.Provider.Active).Key;
        var database = new NpgsqlConnectionStringBuilder(w.Storage.ConnectionString).Database;

        PostgresTestServer.Execute($"ALTER DATABASE {database} ALLOW_CONNECTIONS false");
        PostgresTestServer.Execute($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
        var down = await w.Bot.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.StartsWith($"The setting Storage:ConnectionString names PostgreSQL ", await down.Content.ReadAsStringAsync());
        w.Clock.Advance(TimeSpan.FromMinutes(61)); // the grant expires while the database is away

        PostgresTestServer.Execute($"ALTER DATABASE {database} ALLOW_CONNECTIONS true");
        // Revoke attempts back off (30 s, doubling) while the bot's connections come back: on a busy machine that takes
        // several steps of real time, so the clock may move up to a quarter of an hour.
        await ClockSteps.AdvanceUntilAsync(w.Clock.Advance, () => w.Provider.Revoked.Contains(grantId), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(15),
            "The revocation of the grant that expired while the database was away");

        await w.DirectMessageAsync(People.Ana, "expired");
        Assert.Equal([grantId], w.Provider.Revoked);
        await w.Bot.WaitUntilReadyAsync();
        var audit = w.Bot.Services.GetRequiredService<IAuditLog>();
        Assert.True((await audit.VerifyAsync(CancellationToken.None)).Intact);
        Assert.Equal([AuditKinds.RequestSubmitted, AuditKinds.RequestDecided, AuditKinds.GrantStarted, AuditKinds.GrantProvisioned, AuditKinds.GrantExpired],
            (await audit.ReadAsync(0, 100, CancellationToken.None)).Select(a => a.Event.Kind));
    }

    static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
