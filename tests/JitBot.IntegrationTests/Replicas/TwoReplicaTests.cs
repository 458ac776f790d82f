using JitBot.Audit;
using JitBot.Hosting;
using JitBot.IntegrationTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace JitBot.IntegrationTests.Replicas;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealProcesses
{
    /// <summary>Tests that time real processes on the wall clock run alone, so the machine's other tests do not slow them.</summary>
    public const string Name = "real processes on the wall clock";
}

/// <summary>
/// Two real bot processes on one PostgreSQL database, one killed with <c>kill -9</c> just before the grants it
/// had taken from Quartz were due. These run on the wall clock (real processes), bounded by the grants' one
/// minute: the shortest duration anyone can ask for.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class TwoReplicaTests(ITestOutputHelper output) : IAsyncLifetime
{
    static readonly string[] Users = ["U0PAY0001", "U0PAY0002", "U0PLT0001", "U0DAT0001", "U0DAT0002", "U0CTR0001"];
    static readonly string[] DevResources = ["payments-db-dev", "k8s-dev", "analytics-dev"]; // engineers-to-dev: auto-approved

    BotStorage _storage = null!;
    FakeSlack _slack = null!;
    readonly string _policies = Directory.CreateTempSubdirectory("jitbot-replica-policies-").FullName;

    public async Task InitializeAsync()
    {
        _storage = BotStorage.Postgres();
        _slack = await FakeSlack.StartAsync();
        // The example policy, with every dev resource carried out by the record provider: the test counts
        // revocations in the audit log, one per grant, whatever the example catalog's providers are.
        foreach (var file in Directory.EnumerateFiles(BotHost.PoliciesPath, "*.yaml", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_policies, Path.GetRelativePath(BotHost.PoliciesPath, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var text = await File.ReadAllTextAsync(file);
            await File.WriteAllTextAsync(target, Path.GetFileName(file) == "resources.yaml"
                ? System.Text.RegularExpressions.Regex.Replace(text, @"provider: \{type: slack-usergroup, group: \w+\}", "provider: {type: record}")
                : text);
        }
    }

    public async Task DisposeAsync()
    {
        await _slack.DisposeAsync();
        await _storage.DisposeAsync();
        Directory.Delete(_policies, recursive: true);
    }

    BotProcess StartReplica() => BotProcess.Start(new Dictionary<string, string?>(_storage.Environment)
    {
        ["Slack__BotToken"] = FakeSlack.Token,
        ["Slack__SigningSecret"] = BotHost.SigningSecret,
        ["Slack__ApiBaseUrl"] = _slack.ApiBaseUrl.ToString(),
        ["Policies__Path"] = _policies,
        // The test is about failover. Two replicas, PostgreSQL and a burst of 18 grants share two cores here: one
        // notice sender per replica leaves the acknowledgements their time (eight compete with them for the CPU).
        ["Notifications__Senders"] = "1",
    });

    [Fact]
    public async Task AReplicaKilledWithItsGrantsDue_TheOtherRevokesEveryOne_OnTime_OnceEach_PostingNothingTwice()
    {
        await using var a = StartReplica();
        await using var b = StartReplica();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await Task.WhenAll(a.WaitUntilReadyAsync(client, TimeSpan.FromSeconds(90)), b.WaitUntilReadyAsync(client, TimeSpan.FromSeconds(90)));
        var signer = new SlackSigner(BotHost.SigningSecret, TimeProvider.System) { ResponseUrls = _slack.NewResponseUrl };

        // Every user asks for every dev resource for one minute, half of them through each replica.
        var asks = Users.SelectMany(user => DevResources.Select(resource => (user, resource))).ToList();
        await Task.WhenAll(asks.Select(async (ask, i) =>
        {
            var replica = i % 2 == 0 ? a : b;
            var request = signer.Command(ask.user, $"{ask.resource} for 1m because replica test");
            request.RequestUri = new Uri(replica.BaseAddress, request.RequestUri!);
            // On a busy machine the acknowledgement budget (2.5 s) may run out first: the answer then comes later.
            Assert.Contains("approved for 1 minute", (await _slack.AnswerAsync(client, request)).Text);
        }));
        var made = DateTime.UtcNow.AddSeconds(30);
        while ((await GrantsAsync()).Count < asks.Count && DateTime.UtcNow < made) await Task.Delay(100);
        var grants = await GrantsAsync();
        Assert.Equal(asks.Count, grants.Count);

        // Just before the first grant is due, replica A has taken the due triggers from Quartz; it dies holding them.
        var firstDue = grants.Min(g => g.ExpiresAt);
        var wait = firstDue - TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var killedAt = DateTimeOffset.UtcNow;
        a.KillNow();

        var allowed = QuartzCluster.CheckinInterval + TimeSpan.FromSeconds(5);
        var deadline = grants.Max(g => g.ExpiresAt > killedAt ? g.ExpiresAt : killedAt) + allowed + TimeSpan.FromSeconds(5);
        while ((await GrantsAsync()).Any(g => g.EndedAt is null) && DateTimeOffset.UtcNow < deadline) await Task.Delay(200);

        var ended = await GrantsAsync();
        Assert.All(ended, g =>
        {
            Assert.True(g.EndedAt is not null, $"Grant {g.Id} (due {g.ExpiresAt:HH:mm:ss.fff}, A killed at {killedAt:HH:mm:ss.fff}) was never revoked.\n{b.Output}");
            var late = g.EndedAt!.Value - (g.ExpiresAt > killedAt ? g.ExpiresAt : killedAt);
            Assert.True(late <= allowed, $"Grant {g.Id} was revoked {late.TotalSeconds:0.0} s after it was due (and A dead); allowed {allowed.TotalSeconds} s.");
        });

        var lateness = ended.Select(g => (g.EndedAt!.Value - g.ExpiresAt).TotalSeconds).Order().ToList();
        output.WriteLine($"A killed {(firstDue - killedAt).TotalSeconds:0.00} s before the first grant was due; revoked after due: " +
                         $"min {lateness[0]:0.00} s, max {lateness[^1]:0.00} s");

        var audit = await AuditAsync();
        Assert.True(AuditChainVerifier.Verify(audit).Intact);
        Assert.All(grants, g => Assert.Single(audit, e => e.Event.Kind == AuditKinds.GrantExpired && e.Event.GrantId == g.Id));
        Assert.DoesNotContain(audit, e => e.Event.Kind == AuditKinds.GrantRevokeFailed);

        // Every user hears once per grant that it ended (several of one person's may share a message), and no
        // message is posted twice.
        var shortIds = grants.Select(g => g.Id["grt_".Length..][..6]).ToList();
        await _slack.WaitForAsync(calls => shortIds.All(id => calls.Any(c => IsEndedNotice(c) && c.RawBody.Contains(id, StringComparison.Ordinal))),
            $"{asks.Count} grants named in messages that access ended", TimeSpan.FromSeconds(30));
        var posts = _slack.CallsTo("chat.postMessage");
        Assert.All(shortIds, id => Assert.Single(posts, p => IsEndedNotice(p) && p.RawBody.Contains(id, StringComparison.Ordinal)));
        Assert.Empty(posts.GroupBy(p => p.RawBody).Where(g => g.Count() > 1).Select(g => g.Key));
        _slack.AssertNoProblems();
    }

    static bool IsEndedNotice(SlackCall call) =>
        call.Method == "chat.postMessage" && call.Channel?.StartsWith("U0", StringComparison.Ordinal) == true && call.RawBody.Contains("expired", StringComparison.Ordinal);

    sealed record StoredGrant(string Id, DateTimeOffset ExpiresAt, DateTimeOffset? EndedAt);

    async Task<List<StoredGrant>> GrantsAsync()
    {
        await using var connection = new NpgsqlConnection(_storage.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, expires_at, ended_at FROM jitbot.grants", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var grants = new List<StoredGrant>();
        while (await reader.ReadAsync())
            grants.Add(new(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2)));
        return grants;
    }

    async Task<IReadOnlyList<AuditRecord>> AuditAsync()
    {
        await using var store = new JitBot.Storage.Postgres.PostgresAccessStore(_storage.ConnectionString, new JitBot.Storage.OutboxSignal(), TimeProvider.System);
        return await store.ReadAuditAsync(0, 10_000, CancellationToken.None);
    }
}
