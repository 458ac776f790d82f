using JitBot.Requests;
using JitBot.Storage;
using JitBot.Storage.LiteDb;
using LiteDB;
using MsFakeTime = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace JitBot.Tests.Storage;

/// <summary>The flusher that forces LiteDB's log to disk beside the writer thread, with a flush the test steps through.</summary>
public sealed class LiteDbFlusherTests
{
    /// <summary>How long a test waits for what must happen before calling it a hang.</summary>
    static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    /// <summary>A flush that says when it begins and then waits to be let go; the flushes are numbered from 1.</summary>
    sealed class SteppedFlush
    {
        readonly SemaphoreSlim _began = new(0);
        readonly SemaphoreSlim _go = new(0);
        int _count;

        /// <summary>The error flush number n throws, if any.</summary>
        public Func<int, Exception?> ErrorFor { get; init; } = _ => null;

        public int Count => Volatile.Read(ref _count);

        public void Run()
        {
            var number = Interlocked.Increment(ref _count);
            _began.Release();
            _go.Wait();
            if (ErrorFor(number) is { } error) throw error;
        }

        public Task BeganAsync() => _began.WaitAsync(Guard).ContinueWith(t => Assert.True(t.Result, "no flush began"), TaskScheduler.Default);

        public void Finish() => _go.Release();
    }

    [Fact]
    public async Task WaitersThatAskDuringAFlush_ShareTheNextOne_SoNoneIsToldByAFlushThatBeganBeforeItAsked()
    {
        var flush = new SteppedFlush();
        using var flusher = new LiteDbFlusher(flush.Run);

        var first = flusher.FlushAsync();
        await flush.BeganAsync(); // flush 1, for the first waiter only
        var later = new[] { flusher.FlushAsync(), flusher.FlushAsync(), flusher.FlushAsync() };
        Assert.False(first.IsCompleted);

        flush.Finish();
        await first.WaitAsync(Guard);
        await flush.BeganAsync(); // flush 2, for the three that asked while flush 1 ran
        Assert.All(later, t => Assert.False(t.IsCompleted));

        flush.Finish();
        await Task.WhenAll(later).WaitAsync(Guard);
        Assert.Equal(2, flush.Count);
    }

    [Fact]
    public async Task AFailedFlush_FailsTheWaitersItWasFor_AndNotThoseBeforeOrAfter()
    {
        var flush = new SteppedFlush { ErrorFor = n => n == 2 ? new IOException("The disk is gone.") : null };
        using var flusher = new LiteDbFlusher(flush.Run);

        var before = flusher.FlushAsync();
        await flush.BeganAsync();
        var failing = new[] { flusher.FlushAsync(), flusher.FlushAsync() };
        flush.Finish();
        await flush.BeganAsync(); // flush 2, which fails
        var after = flusher.FlushAsync();
        flush.Finish();
        await flush.BeganAsync();
        flush.Finish();

        await before.WaitAsync(Guard);
        foreach (var waiter in failing)
            Assert.Equal("The disk is gone.", (await Assert.ThrowsAsync<IOException>(() => waiter.WaitAsync(Guard))).Message);
        await after.WaitAsync(Guard);
        Assert.Equal(3, flush.Count);
    }

    [Fact]
    public async Task Dispose_WithWaitersPending_WaitsForTheFlushUnderWay_FlushesForThoseQueued_AndRefusesLaterOnes()
    {
        var flush = new SteppedFlush();
        var flusher = new LiteDbFlusher(flush.Run);
        var first = flusher.FlushAsync();
        await flush.BeganAsync();
        var queued = flusher.FlushAsync();

        var disposing = Task.Run(flusher.Dispose);
        Assert.False(disposing.IsCompleted); // the flush under way is not cut short: the file stays open under it
        flush.Finish();
        await flush.BeganAsync(); // once more, for the waiter queued before the close
        flush.Finish();

        await disposing.WaitAsync(Guard);
        await Task.WhenAll(first, queued).WaitAsync(Guard);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => flusher.FlushAsync().WaitAsync(Guard));
        Assert.Equal(2, flush.Count);
    }

    [Fact]
    public async Task ADurableCommit_IsToldOnlyAfterItsFlush_WhileTheWriterRunsOtherTransactionsMeanwhile()
    {
        var flush = new SteppedFlush();
        using var db = new LiteDatabase(new MemoryStream());
        using var flusher = new LiteDbFlusher(flush.Run);
        using var writer = new LiteDbWriter(db, flusher.AfterCommit(everyCommitDurable: false), new MsFakeTime());

        var grant = writer.Begin(durable: true);
        await grant.RunAsync(d => d.GetCollection("grants").Insert(new BsonDocument { ["_id"] = "grant" }));
        var committed = grant.CommitAsync();
        await flush.BeganAsync(); // the writer committed, then asked for the flush, which stalls

        // The writer is not held by the stalled flush: a write of its own begins, works and commits meanwhile.
        await writer.WriteAsync(d => d.GetCollection("things").Insert(new BsonDocument { ["_id"] = "other" }), durable: false, CancellationToken.None)
            .WaitAsync(Guard);
        Assert.False(committed.IsCompleted);

        flush.Finish();
        await committed.WaitAsync(Guard);
        await grant.EndAsync();
        Assert.Equal(1, flush.Count);
        Assert.NotNull(db.GetCollection("grants").FindById("grant"));
    }

    [Fact]
    public async Task WithEveryCommitDurable_AnOrdinaryWriteIsToldAfterAFlush_AndOtherwiseAtOnce()
    {
        var flush = new SteppedFlush();
        using var db = new LiteDatabase(new MemoryStream());
        using var flusher = new LiteDbFlusher(flush.Run);
        using var everyCommit = new LiteDbWriter(db, flusher.AfterCommit(everyCommitDurable: true), new MsFakeTime());

        var write = everyCommit.WriteAsync(_ => 1, durable: false, CancellationToken.None);
        await flush.BeganAsync();
        Assert.False(write.IsCompleted);
        flush.Finish();
        Assert.Equal(1, await write.WaitAsync(Guard));

        using var other = new LiteDatabase(new MemoryStream());
        using var onlyDurable = new LiteDbWriter(other, flusher.AfterCommit(everyCommitDurable: false), new MsFakeTime());
        Assert.Equal(2, await onlyDurable.WriteAsync(_ => 2, durable: false, CancellationToken.None).WaitAsync(Guard));
        Assert.Equal(1, flush.Count);
    }

    [Fact]
    public async Task StoreFlush_IsAnFsyncBesideTheWriter_SoItReturnsWhileATransactionHoldsTheWriter()
    {
        await using var database = new LiteDbTestDatabase();
        using var store = new LiteDbAccessStore(database.FilePath, new OutboxSignal(), new MsFakeTime());
        await using var holding = await store.BeginAsync(CancellationToken.None);
        await holding.FindRequestAsync(RequestId.New(), CancellationToken.None); // the writer now waits for this transaction

        await store.FlushAsync(CancellationToken.None).WaitAsync(Guard);

        await holding.CommitAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AnEncryptedFile_IsForcedToo_AndKeepsItsDurableCommits()
    {
        await using var database = new LiteDbTestDatabase();
        var connection = $"Filename={database.FilePath};Password=s3cret";
        var request = new AccessRequest(RequestId.New(), "U0SECRET", "payments-db", null, "INC-1", null, null, false, RequestState.Pending,
            new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero), null, null, DecisionJsonTests.RichDecision(), []);
        using (var store = new LiteDbAccessStore(connection, new OutboxSignal(), new MsFakeTime(), durableCommits: true))
        {
            await using (var tx = await store.BeginAsync(CancellationToken.None))
            {
                await tx.InsertRequestAsync(request, null, CancellationToken.None);
                await tx.CommitAsync(CancellationToken.None);
            }
            await store.FlushAsync(CancellationToken.None).WaitAsync(Guard);
        }

        using var reopened = new LiteDbAccessStore(connection, new OutboxSignal(), new MsFakeTime());
        Assert.NotNull(await reopened.FindRequestAsync(request.Id, CancellationToken.None));
    }
}
