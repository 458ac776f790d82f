using JitBot.Grants;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Providers;
using JitBot.Storage;
using JitBot.Storage.LiteDb;

namespace JitBot.IntegrationTests.Providers;

/// <summary>
/// A real bot process killed at the points of granting and revoking where the provider and the database can
/// disagree. After a restart there must be no access without an active grant record (which will expire), and no
/// confirmed grant record without its access. The <c>record</c> provider keeps its access in a state file the
/// test reads, as a real system would keep it outside the bot.
/// </summary>
public sealed class CrashConsistencyTests : IAsyncLifetime
{
    const string Requester = "U0PAY0001";
    readonly string _folder = Directory.CreateTempSubdirectory("jitbot-crash-").FullName;
    FakeSlack _slack = null!;

    string DatabasePath => Path.Combine(_folder, "jitbot.db");
    string StatePath => Path.Combine(_folder, "record-state.json");

    public async Task InitializeAsync() => _slack = await FakeSlack.StartAsync();

    public async Task DisposeAsync()
    {
        await _slack.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    Dictionary<string, string?> Settings(string? crashAt) => new()
    {
        ["Slack__BotToken"] = FakeSlack.Token,
        ["Slack__SigningSecret"] = BotHost.SigningSecret,
        ["Slack__ApiBaseUrl"] = _slack.ApiBaseUrl.ToString(),
        ["Policies__Path"] = BotHost.PoliciesPath,
        ["Storage__ConnectionString"] = DatabasePath,
        ["Providers__record__default__StateFile"] = StatePath,
        ["Testing__CrashHooks"] = "true",
        [CrashHooks.Variable] = crashAt,
    };

    static async Task<HttpClient> HealthyClientAsync(BotProcess bot)
    {
        var client = new HttpClient { BaseAddress = bot.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await bot.WaitUntilHealthyAsync(client, TimeSpan.FromSeconds(60));
        return client;
    }

    async Task AskAsync(HttpClient client, string duration)
    {
        var signer = new SlackSigner(BotHost.SigningSecret, TimeProvider.System);
        var response = await client.SendAsync(signer.Command(Requester, $"payments-db-staging for {duration} because crash test"));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Access in the state file and grant records in the database agree.</summary>
    async Task<IReadOnlyList<GrantRecord>> AssertConsistentAsync()
    {
        var access = RecordOnlyProvider.Load(StatePath);
        using var store = new LiteDbAccessStore(DatabasePath, new OutboxSignal(), TimeProvider.System);
        var active = await store.ActiveGrantsAsync(CancellationToken.None);
        foreach (var (grantId, entry) in access)
        {
            var record = active.SingleOrDefault(g => g.Grant.Id.Value == grantId);
            Assert.True(record is not null, $"Access for grant {grantId} exists without an active grant record.");
            Assert.Equal(entry.ExpiresAt.ToUnixTimeMilliseconds(), record.Grant.ExpiresAt.ToUnixTimeMilliseconds());
        }
        foreach (var record in active.Where(g => g.ProvisionedAt is not null))
            Assert.True(access.ContainsKey(record.Grant.Id.Value), $"Grant {record.Grant.Id} claims access that is not there.");
        return active;
    }

    static async Task WaitUntilAsync(Func<bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(200);
        }
    }

    [Theory]
    [InlineData(CrashHooks.AfterProviderGrant)]
    [InlineData(CrashHooks.BeforeGrantCommit)]
    public async Task KilledWhileGranting_LeavesAccessOnlyWithAGrantRecordThatWillExpire(string point)
    {
        await using (var bot = BotProcess.Start(Settings(point)))
        {
            using var client = await HealthyClientAsync(bot);
            // The grant is carried out while the command is answered, so the answer dies with the process, unless
            // a busy machine ran out the acknowledgement budget first ("still working"); the crash comes either way.
            try
            {
                await AskAsync(client, "1h");
            }
            catch (HttpRequestException)
            {
            }
            await bot.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains($"Crash hook: stopping at {point}.", bot.Output);
        }
        Assert.Single(RecordOnlyProvider.Load(StatePath)); // the provider acted; the database never heard back

        await using (var restarted = BotProcess.Start(Settings(null)))
        {
            using var client = await HealthyClientAsync(restarted);
        }

        var active = await AssertConsistentAsync();
        var grant = Assert.Single(active);
        Assert.True(grant.Grant.ExpiresAt > DateTimeOffset.UtcNow, "the access has a grant that will expire");
    }

    [Theory]
    [InlineData(CrashHooks.AfterProviderRevoke)]
    [InlineData(CrashHooks.BeforeRevokeCommit)]
    public async Task KilledWhileRevoking_EndsTheAccessAndTheGrantAfterRestart(string point)
    {
        await using (var bot = BotProcess.Start(Settings(point)))
        {
            using var client = await HealthyClientAsync(bot);
            await AskAsync(client, "1m");
            await WaitUntilAsync(() => RecordOnlyProvider.Load(StatePath).Count == 1, TimeSpan.FromSeconds(30), "the grant is carried out");
            await bot.WaitForExitAsync(TimeSpan.FromSeconds(120)); // the revocation runs at expiry, a minute later
            Assert.Contains($"Crash hook: stopping at {point}.", bot.Output);
        }
        Assert.Empty(RecordOnlyProvider.Load(StatePath)); // the provider revoked; the database still says Active
        await AssertActiveGrantCountAsync(1);

        await using (var restarted = BotProcess.Start(Settings(null)))
        {
            using var client = await HealthyClientAsync(restarted);
            await WaitUntilAsync(() => restarted.Output.Contains("expired and was revoked"), TimeSpan.FromSeconds(60), "the restarted bot revokes the overdue grant");
        }

        Assert.Empty(await AssertConsistentAsync());
    }

    async Task AssertActiveGrantCountAsync(int count)
    {
        using var store = new LiteDbAccessStore(DatabasePath, new OutboxSignal(), TimeProvider.System);
        Assert.Equal(count, (await store.ActiveGrantsAsync(CancellationToken.None)).Count);
    }
}
