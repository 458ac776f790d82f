using Dapper;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.Tests.Fakes;
using Microsoft.Data.Sqlite;

namespace JitBot.Tests.Storage;

public sealed class SqliteAccessStoreTests : IAsyncLifetime
{
    readonly CoreHarness h = new();
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync() => h.Store.MigrateAsync(Ct);

    public async Task DisposeAsync() => await h.DisposeAsync();

    static Decision RichDecision() => new(
        DecisionOutcome.ApprovalRequired,
        "payments-db",
        FakePolicy.Resource("payments-db", "postgres"),
        new DurationDecision(TimeSpan.FromHours(2), TimeSpan.FromHours(8), true, "prod-cap", TimeSpan.FromHours(2)),
        new ApprovalPlan("C0PAYMENTS",
            [
                new ApprovalRequirement(new ApproverSet("@payments-oncall", "S0ONCALL", []), 2),
                new ApprovalRequirement(new ApproverSet("security leads", null, ["U0SEC1", "U0SEC2"]), 1),
            ],
            TimeSpan.FromMinutes(45)),
        [new FieldProblem("ticket", "Give a ticket like INC-123.")],
        [
            new RuleContribution("prod-needs-approval", RuleEffect.RequireApproval, "required approval", "Production needs a second pair of eyes."),
            new RuleContribution("prod-cap", RuleEffect.Allow, "capped duration", null),
        ],
        "Production data needs two approvers from @payments-oncall & one security lead <today>.",
        "sha256:3f2a9c0d11aa");

    [Fact]
    public void DecisionJson_RoundTripsEveryField()
    {
        var decision = RichDecision();

        var json = DecisionJson.Serialize(decision);
        var back = DecisionJson.Deserialize(json);

        Assert.Equal(json, DecisionJson.Serialize(back));
        Assert.Equal(decision.Outcome, back.Outcome);
        Assert.Equal(decision.Duration, back.Duration);
        Assert.Equal(decision.Resource!.Tags["env"], back.Resource!.Tags["env"]);
        Assert.Equal(decision.Resource.Provider.Settings["role"], back.Resource.Provider.Settings["role"]);
        Assert.Equal(decision.Approval!.Timeout, back.Approval!.Timeout);
        Assert.Equal(["U0SEC1", "U0SEC2"], back.Approval.Requirements[1].Approvers.UserIds);
        Assert.Equal(2, back.Approval.Requirements[0].Count);
        Assert.Equal(decision.Rules, back.Rules);
        Assert.Equal(decision.FieldProblems, back.FieldProblems);
        Assert.Equal(decision.Explanation, back.Explanation);
        Assert.Contains("\"approvalRequired\"", json);
    }

    [Fact]
    public async Task Migrate_IsIdempotent_RecordsTheVersion_AndTurnsOnWal()
    {
        var again = new SqliteAccessStore($"Data Source={h.DatabasePath}", new OutboxSignal());
        await again.MigrateAsync(Ct);

        Assert.Equal(SqliteMigrations.All.Max(m => m.Version), await again.SchemaVersionAsync(Ct));
        await using var connection = new SqliteConnection($"Data Source={h.DatabasePath}");
        await connection.OpenAsync(Ct);
        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(SqliteMigrations.All.Count, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_version"));
    }

    [Fact]
    public async Task Migrate_FromVersionOne_AppliesOnlyTheLaterMigrations()
    {
        var path = Path.Combine(h.Folder, "old.db");
        await using (var old = new SqliteConnection($"Data Source={path}"))
        {
            await old.OpenAsync(Ct);
            await old.ExecuteAsync("PRAGMA foreign_keys = OFF");
            await old.ExecuteAsync("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
            await old.ExecuteAsync(SqliteMigrations.All.Single(m => m.Version == 1).Sql);
            await old.ExecuteAsync("INSERT INTO schema_version VALUES (1, 'initial', '2026-01-01T00:00:00Z')");
            await old.ExecuteAsync("""
                INSERT INTO grants (id, request_id, user_id, resource_id, provider_type, access_key, granted_at, expires_at, state)
                VALUES ('grt_old000000001', 'req_old000000001', 'U0OLD', 'staging-db', 'record', 'record:staging-db:U0OLD', 1000, 2000, 'Active')
                """);
        }
        var store = new SqliteAccessStore($"Data Source={path}", new OutboxSignal());

        await store.MigrateAsync(Ct);

        Assert.Equal(SqliteMigrations.All.Max(m => m.Version), await store.SchemaVersionAsync(Ct));
        var grant = await store.FindGrantAsync(new GrantId("grt_old000000001"), Ct);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1000), grant!.ProvisionedAt);
    }

    [Theory]
    [InlineData(false, 1L)]
    [InlineData(true, 2L)]
    public async Task DurableCommits_ChoosesTheSynchronousMode(bool durable, long expected)
    {
        var store = new SqliteAccessStore($"Data Source={h.DatabasePath}", new OutboxSignal(), durable);

        await using var connection = await store.OpenAsync(Ct);

        Assert.Equal(expected, await connection.ExecuteScalarAsync<long>("PRAGMA synchronous"));
    }

    [Fact]
    public void PrepareConnectionString_CreatesTheDatabaseFolder()
    {
        var folder = Path.Combine(h.Folder, "nested", "data");

        var cs = SqliteAccessStore.PrepareConnectionString($"Data Source={Path.Combine(folder, "jitbot.db")}");

        Assert.True(Directory.Exists(folder));
        Assert.Contains("jitbot.db", cs);
    }

    [Fact]
    public async Task Request_RoundTripsThroughTheStore()
    {
        var request = NewRequest();
        await using (var tx = await h.Store.BeginAsync(Ct))
        {
            await tx.InsertRequestAsync(request, request.CreatedAt.AddMinutes(45), Ct);
            await tx.CommitAsync(Ct);
        }

        var back = await h.Store.FindRequestAsync(request.Id, Ct);

        Assert.NotNull(back);
        Assert.Equal(request.RequesterId, back.RequesterId);
        Assert.Equal(request.RequestedDuration, back.RequestedDuration);
        Assert.Equal(request.CreatedAt, back.CreatedAt);
        Assert.Equal(RequestState.Pending, back.State);
        Assert.Equal(DecisionJson.Serialize(request.Decision), DecisionJson.Serialize(back.Decision));
    }

    [Fact]
    public async Task TryMoveRequest_FromAStateItIsNotIn_ChangesNothing()
    {
        var request = NewRequest();
        await using (var tx = await h.Store.BeginAsync(Ct))
        {
            await tx.InsertRequestAsync(request, null, Ct);
            await tx.CommitAsync(Ct);
        }

        await using (var tx = await h.Store.BeginAsync(Ct))
        {
            Assert.True(await tx.TryMoveRequestAsync(request.Id, RequestState.Pending, RequestState.Rejected, h.Time.GetUtcNow(), "U0BOB", Ct));
            Assert.False(await tx.TryMoveRequestAsync(request.Id, RequestState.Pending, RequestState.Granted, h.Time.GetUtcNow(), "U0ALICE", Ct));
            await tx.CommitAsync(Ct);
        }

        var back = await h.Store.FindRequestAsync(request.Id, Ct);
        Assert.Equal(RequestState.Rejected, back!.State);
        Assert.Equal("U0BOB", back.DecidedBy);
    }

    [Fact]
    public async Task Votes_AreUniquePerRequestAndApprover()
    {
        var request = NewRequest();
        await using var tx = await h.Store.BeginAsync(Ct);
        await tx.InsertRequestAsync(request, null, Ct);
        var vote = new VoteRecord(new ApprovalVote("U0ALICE", true, h.Time.GetUtcNow()), [0, 1]);

        Assert.True(await tx.TryAddVoteAsync(request.Id, vote, Ct));
        Assert.False(await tx.TryAddVoteAsync(request.Id, vote with { Vote = vote.Vote with { Approve = false } }, Ct));
        var votes = await tx.VotesAsync(request.Id, Ct);
        var only = Assert.Single(votes);
        Assert.True(only.Vote.Approve);
        Assert.Equal([0, 1], only.CountsFor);
    }

    [Fact]
    public async Task Transaction_DisposedWithoutCommit_LeavesNothingBehind()
    {
        var request = NewRequest();
        await using (var tx = await h.Store.BeginAsync(Ct))
        {
            await tx.InsertRequestAsync(request, null, Ct);
            await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, request.Id, null, null, h.Time.GetUtcNow(), Ct);
            await tx.AppendAuditAsync(new JitBot.Audit.AuditEvent("test.event", h.Time.GetUtcNow(), "U0X", request.Id.Value), Ct);
        }

        Assert.Null(await h.Store.FindRequestAsync(request.Id, Ct));
        Assert.Equal(0, await h.Store.UndeliveredCountAsync(Ct));
        Assert.Empty(await h.Store.ReadAuditAsync(0, 10, Ct));
    }

    [Fact]
    public async Task MessageRefs_AreSavedFoundAndReplaced()
    {
        IMessageRefStore refs = h.Store;
        var id = new RequestId("req_msgref000001");

        Assert.Null(await refs.FindAsync(id, "approval", Ct));
        await refs.SaveAsync(new MessageRef(id, "approval", "C0PAYMENTS", "1700000000.000100"), Ct);
        await refs.SaveAsync(new MessageRef(id, "dm", "D0REQUESTER", "1700000000.000200"), Ct);
        await refs.SaveAsync(new MessageRef(id, "approval", "C0PAYMENTS", "1700000000.000300"), Ct);

        Assert.Equal(new MessageRef(id, "approval", "C0PAYMENTS", "1700000000.000300"), await refs.FindAsync(id, "approval", Ct));
        Assert.Equal("D0REQUESTER", (await refs.FindAsync(id, "dm", Ct))!.Channel);
    }

    [Fact]
    public async Task ConcurrentWriters_OnTheSameFile_AllSucceed()
    {
        var requests = Enumerable.Range(0, 40).Select(_ => NewRequest()).ToList();

        await Task.WhenAll(requests.Select(r => Task.Run(async () =>
        {
            var store = new SqliteAccessStore($"Data Source={h.DatabasePath}", new OutboxSignal());
            await using var tx = await store.BeginAsync(Ct);
            await tx.InsertRequestAsync(r, null, Ct);
            await tx.AppendAuditAsync(new JitBot.Audit.AuditEvent("test.event", h.Time.GetUtcNow(), r.RequesterId, r.Id.Value), Ct);
            await tx.CommitAsync(Ct);
        })));

        Assert.All(requests, r => Assert.NotNull(h.Store.FindRequestAsync(r.Id, Ct).Result));
        Assert.True((await h.Audit.VerifyAsync(Ct)).Intact);
        Assert.Equal(40, (await h.Audit.VerifyAsync(Ct)).EventsChecked);
    }

    AccessRequest NewRequest() => new(
        RequestId.New(), "U0REQUESTER", "payments-db", TimeSpan.FromHours(8), "INC-4312 payouts stuck", "C0REQ", "dev-help", false,
        RequestState.Pending, h.Time.GetUtcNow(), null, null, RichDecision(), []);
}
