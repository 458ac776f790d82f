using System.Collections.Concurrent;
using System.Diagnostics;
using JitBot.Audit;
using JitBot.Requests;
using JitBot.Storage;
using Npgsql;
using MsFakeTime = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace JitBot.Tests.Storage;

/// <summary>
/// What is particular to PostgreSQL transactions: a write whose result nobody reads is sent with the next
/// statement, so its error is that statement's, and a transaction takes few round trips.
/// </summary>
public sealed class PostgresTransactionTests : IAsyncLifetime
{
    readonly MsFakeTime _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    readonly PostgresTestDatabase _database = new();
    IAccessStore _store = null!;
    static CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        _store = _database.Open(new OutboxSignal(), _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _database.Close(_store);
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task AUniqueViolationOfADeferredInsert_IsThrownByTheNextCall_AndTheTransactionFailsFromThenOn()
    {
        var existing = Request();
        await CommitAsync(tx => tx.InsertRequestAsync(existing, null, Ct));

        await using (var tx = await _store.BeginAsync(Ct))
        {
            await tx.InsertRequestAsync(Request(), null, Ct);
            await tx.InsertRequestAsync(existing, null, Ct); // not sent yet

            var error = await Assert.ThrowsAsync<PostgresException>(() => tx.FindRequestAsync(existing.Id, Ct));
            Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
            var after = await Assert.ThrowsAsync<PostgresException>(() => tx.FindGrantAsync(GrantId.New(), Ct));
            Assert.Equal(PostgresErrorCodes.InFailedSqlTransaction, after.SqlState);
        }

        await using (var tx = await _store.BeginAsync(Ct))
        {
            await tx.InsertRequestAsync(existing, null, Ct);
            var error = await Assert.ThrowsAsync<PostgresException>(() => tx.CommitAsync(Ct));
            Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
        }
        Assert.Equal(existing.Id, Assert.Single(await _store.PendingRequestsAsync(10, Ct)).Id);
    }

    [Fact]
    public async Task ASubmissionWithItsGrant_SendsItsInsertsWithTheLockOnTheAuditHead_ThenTheAuditEvents()
    {
        var (request, grant) = RequestWithGrant();
        await _store.FindRequestAsync(request.Id, Ct); // the pool has a connection open before counting

        var sent = await BatchesAsync(() => CommitAsync(async tx =>
        {
            await tx.InsertRequestAsync(request, null, Ct);
            await tx.AppendAuditAsync(Event(AuditKinds.RequestSubmitted, request.Id), Ct);
            await tx.InsertGrantAsync(grant, Ct);
            await tx.AppendAuditAsync(Event(AuditKinds.GrantStarted, request.Id), Ct);
        }));

        Assert.Equal([
            ["INSERT INTO jitbot.requests", "INSERT INTO jitbot.grants", LockHead],
            [InsertAudit, InsertAudit, UpdateHead],
        ], sent);
    }

    [Fact]
    public async Task MarkingAGrantProvisioned_ReadsTheRequestForItsNoticesLaneWithTheLockOnTheAuditHead()
    {
        var (request, grant) = RequestWithGrant();
        await CommitAsync(async tx =>
        {
            await tx.InsertRequestAsync(request, null, Ct);
            await tx.InsertGrantAsync(grant, Ct);
        });

        var sent = await BatchesAsync(() => CommitAsync(async tx =>
        {
            await tx.MarkProvisionedAsync(grant.Grant.Id, _time.GetUtcNow(), Event(AuditKinds.GrantProvisioned, request.Id), NotificationKind.GrantStarted, Ct);
        }));

        Assert.Equal([
            ["UPDATE jitbot.grants SET provisioned_at = @at WHERE id = @id AND state = 'Active' AND provisioned_at IS NULL RETURNING request_id"],
            [$"SELECT {JitBot.Storage.Postgres.PostgresValues.RequestColumns} FROM jitbot.requests WHERE id = ANY(@ids)", LockHead],
            ["INSERT INTO jitbot.outbox", InsertAudit, UpdateHead],
        ], sent);
        Assert.Equal(1, await _store.UndeliveredCountAsync(Ct));
    }

    const string LockHead = "SELECT seq, hash FROM jitbot.audit_head WHERE id = 1 FOR UPDATE";
    const string InsertAudit = "INSERT INTO jitbot.audit_events";
    const string UpdateHead = "UPDATE jitbot.audit_head SET seq = $1, hash = $2 WHERE id = 1";

    /// <summary>
    /// The batches Npgsql sends while <paramref name="work"/> runs (its trace, in this flow only; the commit is not
    /// traced), each as its statements' first lines up to the first parenthesis.
    /// </summary>
    static async Task<List<List<string>>> BatchesAsync(Func<Task> work)
    {
        var seen = new ConcurrentQueue<string>();
        using var root = new Activity("round-trips").Start();
        var trace = root.TraceId;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == trace) seen.Enqueue(activity.GetTagItem("db.query.text") as string ?? "");
            },
        };
        ActivitySource.AddActivityListener(listener);
        await work();
        return seen.Select(batch => batch.Split(";\n").Select(statement => statement.Split('\n')[0].Split(" (")[0].Trim()).ToList()).ToList();
    }

    (AccessRequest, GrantRecord) RequestWithGrant()
    {
        var request = Request() with { State = RequestState.Granted, DecidedAt = _time.GetUtcNow(), DecidedBy = "policy" };
        var grant = new GrantRecord(
            new Grant(GrantId.New(), request.Id, request.RequesterId, request.ResourceId, _time.GetUtcNow(), _time.GetUtcNow().AddHours(1), GrantState.Active, null),
            "fake", "fake:payments-db:" + request.RequesterId);
        return (request, grant);
    }

    AuditEvent Event(string kind, RequestId id) => new(kind, _time.GetUtcNow(), "policy", id.Value);

    async Task CommitAsync(Func<IAccessStoreTransaction, Task> work)
    {
        await using var tx = await _store.BeginAsync(Ct);
        await work(tx);
        await tx.CommitAsync(Ct);
    }

    AccessRequest Request() => new(
        RequestId.New(), "U0REQUESTER", "payments-db", TimeSpan.FromHours(8), "INC-4312 payouts stuck", "C0REQ", "dev-help", true,
        RequestState.Pending, _time.GetUtcNow(), null, null, DecisionJsonTests.RichDecision(), []);
}
