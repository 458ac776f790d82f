using JitBot.Audit;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;
using MsFakeTime = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace JitBot.Tests.Storage;

/// <summary>
/// What every store guarantees, stated once. An implementation runs it by deriving one class that names its
/// <see cref="ITestDatabase"/>. Every guarantee is one a server database with several replicas can keep too:
/// compare-and-swap on every state, requests locked while votes are counted, audit appends serialized by the
/// store, notices and revocations claimed with leases (owner and expiry), message references set once, keys
/// seen once, and migrations under a database-wide lock. The outbox, the leases, references, keys and the schema
/// are in <c>StoreContractTests.Claims.cs</c>.
/// </summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    protected readonly MsFakeTime Time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    protected ITestDatabase Database { get; private set; } = null!;
    protected IAccessStore Store { get; private set; } = null!;
    protected static CancellationToken Ct => CancellationToken.None;

    protected abstract ITestDatabase CreateDatabase();

    public Task InitializeAsync()
    {
        Database = CreateDatabase();
        Store = Database.Open(new OutboxSignal(), Time);
        return Store.MigrateAsync(Ct);
    }

    public async Task DisposeAsync()
    {
        Database.Close(Store);
        await Database.DisposeAsync();
    }

    // ---- requests and grants --------------------------------------------------------------------------

    [Fact]
    public async Task Request_RoundTripsEveryField()
    {
        var request = NewRequest() with { DecidedBy = null, Reason = "INC-4312 <payouts> & \"quotes\"" };
        await CommitAsync(tx => tx.InsertRequestAsync(request, request.CreatedAt.AddMinutes(45), Ct));

        var back = await Store.FindRequestAsync(request.Id, Ct);

        Assert.NotNull(back);
        Assert.Equal(request with { Decision = back.Decision, Votes = back.Votes }, back);
        Assert.Equal(DecisionJson.Serialize(request.Decision), DecisionJson.Serialize(back.Decision));
        Assert.Empty(back.Votes);
        Assert.Null(await Store.FindRequestAsync(RequestId.New(), Ct));
    }

    [Fact]
    public async Task ATransaction_ReadsBackWhatItInserted_BeforeItCommits()
    {
        var request = NewRequest();
        await CommitAsync(async tx =>
        {
            await tx.InsertRequestAsync(request, null, Ct);
            Assert.Equal(request.Id, (await tx.FindRequestAsync(request.Id, Ct))?.Id);
            Assert.True(await tx.TryMoveRequestAsync(request.Id, RequestState.Pending, RequestState.Rejected, Time.GetUtcNow(), "U0BOB", Ct));
        });

        Assert.Equal(RequestState.Rejected, (await Store.FindRequestAsync(request.Id, Ct))!.State);
    }

    [Fact]
    public async Task AnInsertThatFails_FailsItsTransaction_AndNothingOfItIsStored()
    {
        var existing = NewRequest();
        await CommitAsync(tx => tx.InsertRequestAsync(existing, null, Ct));
        var fresh = NewRequest();

        await Assert.ThrowsAnyAsync<Exception>(() => CommitAsync(async tx =>
        {
            await tx.InsertRequestAsync(fresh, null, Ct);
            await tx.InsertRequestAsync(existing, null, Ct); // the same id again
        }));

        Assert.Null(await Store.FindRequestAsync(fresh.Id, Ct));
        Assert.NotNull(await Store.FindRequestAsync(existing.Id, Ct));
    }

    [Fact]
    public async Task TryMoveRequest_FromAStateItIsNotIn_ChangesNothing()
    {
        var request = NewRequest();
        await CommitAsync(tx => tx.InsertRequestAsync(request, null, Ct));

        await CommitAsync(async tx =>
        {
            Assert.True(await tx.TryMoveRequestAsync(request.Id, RequestState.Pending, RequestState.Rejected, Time.GetUtcNow(), "U0BOB", Ct));
            Assert.False(await tx.TryMoveRequestAsync(request.Id, RequestState.Pending, RequestState.Granted, Time.GetUtcNow(), "U0ALICE", Ct));
        });

        var back = await Store.FindRequestAsync(request.Id, Ct);
        Assert.Equal(RequestState.Rejected, back!.State);
        Assert.Equal("U0BOB", back.DecidedBy);
    }

    [Fact]
    public async Task Votes_AreUniquePerRequestAndApprover_AndKeepWhatTheyCountFor()
    {
        var request = NewRequest();
        await CommitAsync(async tx =>
        {
            await tx.InsertRequestAsync(request, null, Ct);
            var vote = new VoteRecord(new ApprovalVote("U0ALICE", true, Time.GetUtcNow()), [0, 1]);

            Assert.True(await tx.TryAddVoteAsync(request.Id, vote, Ct));
            Assert.False(await tx.TryAddVoteAsync(request.Id, vote with { Vote = vote.Vote with { Approve = false } }, Ct));
            var only = Assert.Single(await tx.VotesAsync(request.Id, Ct));
            Assert.True(only.Vote.Approve);
            Assert.Equal([0, 1], only.CountsFor);
        });

        Assert.Equal(["U0ALICE"], (await Store.FindRequestAsync(request.Id, Ct))!.Votes.Select(v => v.ApproverId));
    }

    AuditEvent Provisioned(GrantRecord granted) =>
        new(AuditKinds.GrantProvisioned, Time.GetUtcNow(), "jitbot", granted.Grant.RequestId.Value, granted.Grant.Id.Value);

    [Fact]
    public async Task Grant_RoundTrips_AndMovesOnlyFromTheExpectedState()
    {
        var (_, grant) = await GrantedAsync(TimeSpan.FromHours(1));

        Assert.Equal(grant, await Store.FindGrantAsync(grant.Grant.Id, Ct));
        Assert.Equal(grant, await Store.FindGrantByRequestAsync(grant.Grant.RequestId, Ct));
        var auditBefore = (await Store.ReadAuditAsync(0, 1000, Ct)).Count;
        await CommitAsync(tx => tx.MarkProvisionedAsync(grant.Grant.Id, Time.GetUtcNow(), Provisioned(grant), NotificationKind.GrantStarted, Ct));
        // Only the first confirmation counts: a second, in its own transaction or the same one, writes nothing.
        await CommitAsync(async tx =>
        {
            await tx.MarkProvisionedAsync(grant.Grant.Id, Time.GetUtcNow(), Provisioned(grant), NotificationKind.GrantStarted, Ct);
            await tx.MarkProvisionedAsync(grant.Grant.Id, Time.GetUtcNow(), Provisioned(grant), NotificationKind.GrantStarted, Ct);
        });
        var audit = (await Store.ReadAuditAsync(0, 1000, Ct)).Skip(auditBefore).ToList();
        Assert.Equal([AuditKinds.GrantProvisioned], audit.Select(a => a.Event.Kind));
        var notice = Assert.Single(await Store.ClaimNotificationsAsync("me", Time.GetUtcNow(), TimeSpan.FromMinutes(2), 10, Ct),
            n => n.Kind == NotificationKind.GrantStarted);
        Assert.Equal((grant.Grant.RequestId, grant.Grant.Id), (notice.RequestId, notice.GrantId));
        await CommitAsync(async tx =>
        {
            Assert.True(await tx.TryMoveGrantAsync(grant.Grant.Id, GrantState.Active, GrantState.Expired, Time.GetUtcNow(), Ct));
            Assert.False(await tx.TryMoveGrantAsync(grant.Grant.Id, GrantState.Active, GrantState.Failed, Time.GetUtcNow(), Ct));
        });

        var back = (await Store.FindGrantAsync(grant.Grant.Id, Ct))!;
        Assert.Equal(GrantState.Expired, back.Grant.State);
        Assert.Equal(Time.GetUtcNow(), back.Grant.EndedAt);
        Assert.Equal(Time.GetUtcNow(), back.ProvisionedAt);
        Assert.Empty(await Store.ActiveGrantsAsync(Ct));
    }

    [Fact]
    public async Task Transaction_DisposedWithoutCommit_LeavesNothingBehind()
    {
        var request = NewRequest();
        await using (var tx = await Store.BeginAsync(Ct))
        {
            await tx.InsertRequestAsync(request, null, Ct);
            await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, request.Id, null, null, Time.GetUtcNow(), Ct);
            await tx.AppendAuditAsync(new AuditEvent("test.event", Time.GetUtcNow(), "U0X", request.Id.Value), Ct);
        }

        Assert.Null(await Store.FindRequestAsync(request.Id, Ct));
        Assert.Equal(0, await Store.UndeliveredCountAsync(Ct));
        Assert.Empty(await Store.ReadAuditAsync(0, 10, Ct));
        Assert.Equal(0, await Store.LastAuditSeqAsync(Ct));
    }

    [Fact]
    public async Task Queries_FindWhatIsDue_AndNothingElse()
    {
        var now = Time.GetUtcNow();
        var overdue = NewRequest();
        var waiting = NewRequest();
        await CommitAsync(async tx =>
        {
            await tx.InsertRequestAsync(overdue, now.AddMinutes(-1), Ct);
            await tx.InsertRequestAsync(waiting, now.AddMinutes(30), Ct);
        });
        var (_, expired) = await GrantedAsync(TimeSpan.FromHours(-1));
        var (_, retrying) = await GrantedAsync(TimeSpan.FromHours(-1));
        var (_, current) = await GrantedAsync(TimeSpan.FromHours(1));
        await CommitAsync(tx => tx.RecordRevokeFailureAsync(retrying.Grant.Id, 1, now.AddSeconds(30), "provider down", Ct));

        Assert.Equal([overdue.Id], await Store.OverduePendingAsync(now, 10, Ct));
        Assert.Equal([new PendingTimeout(overdue.Id, now.AddMinutes(-1)), new PendingTimeout(waiting.Id, now.AddMinutes(30))],
            await Store.PendingTimeoutsAsync(Ct));
        Assert.Equal([expired.Grant.Id], await Store.OverdueGrantsAsync(now, 10, Ct));
        Assert.Equal(new[] { expired.Grant.Id, retrying.Grant.Id }.OrderBy(g => g.Value), (await Store.OverdueGrantsAsync(now.AddSeconds(30), 10, Ct)).OrderBy(g => g.Value));
        Assert.Equal([current.Grant.Id], await Store.UnprovisionedGrantsAsync(now, now, 10, Ct));
        Assert.Equal(3, (await Store.ActiveGrantsAsync(Ct)).Count);
        var stored = (await Store.FindGrantAsync(retrying.Grant.Id, Ct))!;
        Assert.Equal((1, now.AddSeconds(30), "provider down"), (stored.RevokeAttempts, stored.NextRevokeAt, stored.LastError));
        await CommitAsync(async tx =>
            Assert.Equal(3, (await tx.ActiveGrantsForKeysAsync([current.AccessKey], Ct)).Count));
    }

    [Fact]
    public async Task TwoTransactionsVotingOnOneRequest_TheLaterAlwaysSeesTheEarliersVote()
    {
        for (var round = 0; round < 10; round++)
        {
            var request = NewRequest();
            await CommitAsync(tx => tx.InsertRequestAsync(request, null, Ct));

            var seen = await Task.WhenAll(new[] { "U0ALICE", "U0BOB" }.Select(approver => Task.Run(async () =>
            {
                await using var tx = await Store.BeginAsync(Ct);
                await tx.FindRequestAsync(request.Id, Ct);
                await Task.Yield();
                await tx.TryAddVoteAsync(request.Id, new VoteRecord(new ApprovalVote(approver, true, Time.GetUtcNow()), [0]), Ct);
                await Task.Yield();
                var votes = (await tx.VotesAsync(request.Id, Ct)).Count;
                await tx.CommitAsync(Ct);
                return votes;
            })));

            Assert.Equal([1, 2], seen.Order());
        }
    }

    // ---- audit ----------------------------------------------------------------------------------------

    [Fact]
    public async Task AuditAppends_FromConcurrentWriters_FormOneLinearChain()
    {
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(async () =>
        {
            await using var tx = await Store.BeginAsync(Ct);
            await tx.AppendAuditAsync(new AuditEvent("test.first", Time.GetUtcNow(), $"U0WRITER{i}", $"req_{i}"), Ct);
            await Task.Yield();
            await tx.AppendAuditAsync(new AuditEvent("test.second", Time.GetUtcNow(), $"U0WRITER{i}", $"req_{i}"), Ct);
            await tx.CommitAsync(Ct);
        })));

        var all = await Store.ReadAuditAsync(0, 1000, Ct);
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), all.Select(a => a.Seq));
        Assert.True(AuditChainVerifier.Verify(all).Intact);
        Assert.All(all.Chunk(2), pair => Assert.Equal(pair[0].Event.Actor, pair[1].Event.Actor)); // a transaction's events stay together
        Assert.Equal(["test.first", "test.second"], (await Store.AuditForRequestAsync("req_7", Ct)).Select(a => a.Event.Kind));
        Assert.Equal(all.Skip(10).Take(5).Select(a => a.Hash), (await Store.ReadAuditAsync(10, 5, Ct)).Select(a => a.Hash));
        Assert.Equal(60, await Store.LastAuditSeqAsync(Ct));
    }

    [Fact]
    public async Task AuditEventsAppendedTogether_ContinueTheChainInOrder_BesideConcurrentWriters()
    {
        var kinds = new[] { "test.alone" }.Concat(Enumerable.Range(0, 5).Select(n => $"test.batch{n}")).Append("test.after").ToList();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            await using var tx = await Store.BeginAsync(Ct);
            await tx.AppendAuditAsync(new AuditEvent("test.alone", Time.GetUtcNow(), $"U0WRITER{i}", $"req_{i}"), Ct);
            await tx.AppendAuditAsync(
                [.. Enumerable.Range(0, 5).Select(n => new AuditEvent($"test.batch{n}", Time.GetUtcNow(), $"U0WRITER{i}", $"req_{i}", null,
                    new Dictionary<string, string?> { ["n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture), ["note"] = "a <b> & \"c\"" }))], Ct);
            await tx.AppendAuditAsync(new AuditEvent("test.after", Time.GetUtcNow(), $"U0WRITER{i}", $"req_{i}"), Ct);
            await tx.AppendAuditAsync([], Ct);
            await tx.CommitAsync(Ct);
        })));

        var all = await Store.ReadAuditAsync(0, 1000, Ct);
        Assert.Equal(Enumerable.Range(1, 70).Select(i => (long)i), all.Select(a => a.Seq));
        Assert.True(AuditChainVerifier.Verify(all).Intact);
        // Each transaction's events are one unbroken run of the chain, in the order they were appended.
        foreach (var run in all.Chunk(kinds.Count))
        {
            Assert.Single(run.Select(a => a.Event.Actor).Distinct());
            Assert.Equal(kinds, run.Select(a => a.Event.Kind));
            Assert.Equal("a <b> & \"c\"", run[1].Event.Data!["note"]);
        }
    }

    [Fact]
    public async Task AuditEventsOfATransactionThatRollsBack_AreNotInTheLog()
    {
        await using (var tx = await Store.BeginAsync(Ct))
        {
            await tx.AppendAuditAsync(new AuditEvent("test.rolled-back", Time.GetUtcNow(), "U0WRITER", "req_gone"), Ct);
        }
        await using (var tx = await Store.BeginAsync(Ct))
        {
            await tx.AppendAuditAsync(new AuditEvent("test.kept", Time.GetUtcNow(), "U0WRITER", "req_kept"), Ct);
            await tx.CommitAsync(Ct);
        }

        var all = await Store.ReadAuditAsync(0, 10, Ct);
        Assert.Equal(["test.kept"], all.Select(a => a.Event.Kind));
        Assert.Equal(1, all[0].Seq);
    }

    // ---- helpers --------------------------------------------------------------------------------------

    protected async Task CommitAsync(Func<IAccessStoreTransaction, Task> work)
    {
        await using var tx = await Store.BeginAsync(Ct);
        await work(tx);
        await tx.CommitAsync(Ct);
    }

    protected async Task<(AccessRequest Request, GrantRecord Grant)> GrantedAsync(TimeSpan expiresIn, string requester = "U0REQUESTER", JitBot.Incidents.IncidentId? tiedTo = null)
    {
        var now = Time.GetUtcNow();
        var request = NewRequest() with { RequesterId = requester, State = RequestState.Granted, DecidedAt = now, DecidedBy = "policy", IncidentId = tiedTo };
        var grant = new GrantRecord(
            new Grant(GrantId.New(), request.Id, request.RequesterId, request.ResourceId, now - TimeSpan.FromHours(2), now + expiresIn, GrantState.Active, null),
            "fake", $"fake:{request.ResourceId}:{request.RequesterId}");
        await CommitAsync(async tx =>
        {
            await tx.InsertRequestAsync(request, null, Ct);
            await tx.InsertGrantAsync(grant, Ct);
        });
        return (request, grant);
    }

    protected AccessRequest NewRequest() => new(
        RequestId.New(), "U0REQUESTER", "payments-db", TimeSpan.FromHours(8), "INC-4312 payouts stuck", "C0REQ", "dev-help", true,
        RequestState.Pending, Time.GetUtcNow(), null, null, DecisionJsonTests.RichDecision(), []);
}
