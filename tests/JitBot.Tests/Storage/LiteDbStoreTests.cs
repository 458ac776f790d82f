using System.Text;
using JitBot.Audit;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.Storage.LiteDb;
using LiteDB;
using MsFakeTime = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace JitBot.Tests.Storage;

public sealed class LiteDbStoreContractTests : StoreContractTests
{
    protected override ITestDatabase CreateDatabase() => new LiteDbTestDatabase();
}

public sealed class LiteDbReplicaContractTests : ReplicaContractTests
{
    protected override ITestDatabase CreateDatabase() => new LiteDbTestDatabase();
}

/// <summary>What is particular to LiteDB: the one writer thread, the connection string, and files it must refuse.</summary>
public sealed class LiteDbStoreTests : IAsyncLifetime
{
    readonly LiteDbTestDatabase _database = new();
    readonly MsFakeTime _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    static CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _database.DisposeAsync();

    LiteDbAccessStore Open() => new(_database.FilePath, new OutboxSignal(), _time);

    [Fact]
    public async Task ConcurrentAsyncTransactions_NeverJoinCommitOrRollBackEachOthersWork()
    {
        using var store = Open();
        var requests = Enumerable.Range(0, 50).Select(i => NewRequest($"U0WRITER{i:00}")).ToList();

        await Task.WhenAll(requests.Select((request, i) => Task.Run(async () =>
        {
            await using var tx = await store.BeginAsync(Ct);
            await Task.Yield();
            await tx.InsertRequestAsync(request, null, Ct);
            await Task.Yield();
            await tx.AppendAuditAsync(new AuditEvent("test.written", _time.GetUtcNow(), request.RequesterId, request.Id.Value), Ct);
            await Task.Yield();
            await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, request.Id, null, null, _time.GetUtcNow(), Ct);
            await Task.Yield();
            if (i % 2 == 0) await tx.CommitAsync(Ct); // the odd ones are disposed without a commit: rolled back
        })));

        for (var i = 0; i < requests.Count; i++)
            Assert.Equal(i % 2 == 0, await store.FindRequestAsync(requests[i].Id, Ct) is not null);
        var audit = await store.ReadAuditAsync(0, 1000, Ct);
        Assert.Equal(requests.Where((_, i) => i % 2 == 0).Select(r => r.Id.Value).Order(), audit.Select(a => a.Event.RequestId!).Order());
        Assert.True(AuditChainVerifier.Verify(audit).Intact);
        Assert.Equal(25, await store.UndeliveredCountAsync(Ct));
    }

    [Fact]
    public async Task TransactionWork_RunsOnTheWriterThread_AndTheCallerContinuesElsewhere()
    {
        using var store = Open();
        var request = NewRequest("U0CALLER");

        await using var tx = await store.BeginAsync(Ct);
        await tx.InsertRequestAsync(request, null, Ct);
        var writerThreads = new HashSet<string?>();
        for (var i = 0; i < 5; i++)
        {
            await tx.FindRequestAsync(request.Id, Ct);
            writerThreads.Add(Thread.CurrentThread.Name);
        }

        Assert.DoesNotContain("JitBot LiteDB writer", writerThreads);
        await tx.CommitAsync(Ct);
        Assert.NotNull(await store.FindRequestAsync(request.Id, Ct));
    }

    [Fact]
    public async Task CommittedWork_SurvivesClosingAndOpeningTheFile()
    {
        var request = NewRequest("U0DURABLE");
        using (var store = Open())
        {
            await using var tx = await store.BeginAsync(Ct);
            await tx.InsertRequestAsync(request, null, Ct);
            await tx.CommitAsync(Ct);
        }
        // Closed, the store is one file: its log was moved into it.
        var log = Path.Combine(Path.GetDirectoryName(_database.FilePath)!, Path.GetFileNameWithoutExtension(_database.FilePath) + "-log.db");
        Assert.True(!File.Exists(log) || new FileInfo(log).Length == 0, "the log is left beside the file");

        using var reopened = Open();

        Assert.Equal(request.Id, (await reopened.FindRequestAsync(request.Id, Ct))!.Id);
        Assert.Equal(LiteDbMigrations.All.Max(m => m.Version), await reopened.SchemaVersionAsync(Ct));
    }

    [Fact]
    public async Task NoticesQueuedBeforeTheLaneOrderIndex_AreGivenTheirPlace_AndGoInOrder()
    {
        using (var store = Open())
        {
            for (var i = 0; i < 6; i++)
                await store.EnqueueNoticeAsync(NotificationKind.LateAnswer, new RequestId($"answer_{i}"), i % 2 == 0 ? "@U0EVEN" : "@U0ODD", "{}", _time.GetUtcNow(), Ct);
        }
        // As a database written before migration 5: no lane_order nor head_due, and the migration not applied.
        _database.AsBeforeOutboxMigration(5, "lane_order", "head_due");

        using var reopened = Open();
        var delivered = new List<string>();
        while (await reopened.ClaimNotificationsAsync("me", _time.GetUtcNow(), TimeSpan.FromMinutes(2), 10, Ct) is { Count: > 0 } claimed)
        {
            Assert.Equal(2, claimed.Count); // one per lane at a time
            foreach (var notice in claimed)
            {
                delivered.Add(notice.RequestId.Value);
                await reopened.MarkDeliveredAsync(notice.Id, "me", _time.GetUtcNow(), Ct);
            }
        }

        Assert.Equal(["answer_0", "answer_1", "answer_2", "answer_3", "answer_4", "answer_5"], delivered);
        Assert.Equal(LiteDbMigrations.All.Max(m => m.Version), await reopened.SchemaVersionAsync(Ct));
    }

    [Theory]
    [InlineData("{0}")]
    [InlineData("Filename={0}")]
    [InlineData("Filename={0};Connection=direct")]
    public async Task ConnectionString_IsAFilePathOrALiteDbConnectionString_AndTheFolderIsCreated(string setting)
    {
        var path = Path.Combine(_database.Folder, "nested", "data", "jitbot.db");
        using var store = new LiteDbAccessStore(string.Format(setting, path), new OutboxSignal(), _time);

        await store.MigrateAsync(Ct);

        Assert.Equal(path, store.Path);
        Assert.True(File.Exists(path));
    }

    [Theory]
    [InlineData("Data Source=data/jitbot.db", "is an SQLite connection string")]
    [InlineData("Filename=data/jitbot.db;Connection=shared", "asks for Connection=shared")]
    [InlineData("Filename=data/jitbot.db;ReadOnly=true", "asks for ReadOnly=true")]
    [InlineData("Filename=:memory:", "names no database file")]
    [InlineData("Filename=data/jitbot.db;Password=s3cret;Collation=nonsense", "is neither a file path nor a LiteDB connection string")]
    [InlineData("Filename=data/jitbot.db;Collation=en-US/IgnoreCase", "sets a Collation")]
    public void ConnectionString_ThatCannotWork_IsRefused_WithASentenceNamingTheSetting(string setting, string why)
    {
        var error = Assert.Throws<StorageUnavailableException>(() => new LiteDbAccessStore(setting, new OutboxSignal(), _time));

        Assert.StartsWith($"The setting Storage:ConnectionString {why}", error.Message);
        Assert.DoesNotContain("s3cret", error.Message);
    }

    [Fact]
    public void LiteDbsOwnCheckpoints_AreTurnedOff_InANewFileAndAnOldOne()
    {
        using (var created = LiteDbFile.Open(LiteDbFile.ParseConnectionString(_database.FilePath), _ => { }))
            Assert.Equal(0, created.Database.CheckpointSize);
        using (var old = new LiteDatabase(LiteDbFile.ParseConnectionString(_database.FilePath)))
            old.CheckpointSize = 1000; // as a file written before JitBot ran its own
        using var reopened = LiteDbFile.Open(LiteDbFile.ParseConnectionString(_database.FilePath), _ => { });

        Assert.Equal(0, reopened.Database.CheckpointSize);
    }

    [Fact]
    public void TheLogIsMovedIntoTheDataFile_WhenTheWriterIsIdle_OrOnceItIsFull()
    {
        using var file = LiteDbFile.Open(LiteDbFile.ParseConnectionString(_database.FilePath), _ => { });
        var checkpoints = new LiteDbCheckpoints(file.Database, file.LogPath);
        var things = file.Database.GetCollection("things");
        var page = new string('x', 7000);
        for (var i = 0; i < LiteDbCheckpoints.IdlePages + 50; i++) things.Insert(new BsonDocument { ["_id"] = i, ["text"] = page });
        var logged = new FileInfo(file.LogPath).Length;
        Assert.True(logged >= LiteDbCheckpoints.IdlePages * 8192, $"the log holds {logged} bytes");

        checkpoints.Between(idle: false); // busy, and below the most the log may hold: nothing yet
        Assert.Equal(logged, new FileInfo(file.LogPath).Length);
        checkpoints.Between(idle: true);
        Assert.Equal(0, new FileInfo(file.LogPath).Length);
        Assert.Equal(LiteDbCheckpoints.IdlePages + 50, things.Count());
    }

    [Fact]
    public async Task ASecondStoreOnTheSameFile_IsRefused_WhileTheFirstIsOpen()
    {
        using var first = Open();
        await first.MigrateAsync(Ct);
        using var second = Open();

        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => second.MigrateAsync(Ct));

        Assert.Equal($"The setting Storage:ConnectionString names {_database.FilePath}, which is in use by another process "
                     + $"(its lock file {_database.FilePath}.lock is held): stop the other JitBot, or give this one its own file.", error.Message);
        first.Dispose();
        using var third = Open();
        await third.MigrateAsync(Ct);
    }

    public static TheoryData<string, byte[]> NotLiteDbFiles => new()
    {
        { "a short text file", Encoding.UTF8.GetBytes("hello, this is not a database") },
        { "random bytes", Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7919 % 251)).ToArray() },
        { "a page of zeros", new byte[8192] },
        { "an SQLite database", [.. Encoding.ASCII.GetBytes("SQLite format 3\0"), .. new byte[4080]] },
    };

    [Theory]
    [MemberData(nameof(NotLiteDbFiles))]
    public async Task AFileThatIsNotALiteDbDatabase_IsRefused_AndLeftAsItWas(string what, byte[] content)
    {
        await File.WriteAllBytesAsync(_database.FilePath, content, Ct);
        using var store = Open();

        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.MigrateAsync(Ct));

        Assert.StartsWith($"The setting Storage:ConnectionString names {_database.FilePath}, which ", error.Message);
        Assert.Contains("left", error.Message);
        Assert.Equal(content, await File.ReadAllBytesAsync(_database.FilePath, Ct));
        Assert.False(File.Exists(Path.Combine(_database.Folder, "jitbot-log.db")), what);
    }

    [Fact]
    public async Task ADamagedLiteDbFile_IsRefused_AndLeftAsItWas()
    {
        using (var db = new LiteDatabase(_database.FilePath)) db.GetCollection("requests").Insert(new BsonDocument { ["_id"] = "req_x" });
        var content = await File.ReadAllBytesAsync(_database.FilePath, Ct);
        for (var i = 8192; i < content.Length; i++) content[i] = 0xEE; // every page after the header
        await File.WriteAllBytesAsync(_database.FilePath, content, Ct);
        using var store = Open();

        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.MigrateAsync(Ct));

        Assert.StartsWith($"The setting Storage:ConnectionString names {_database.FilePath}, which could not be read as a LiteDB database (", error.Message);
        Assert.EndsWith("JitBot changed none of its data (LiteDB at most marks a damaged file as damaged) — restore it from a backup or point the setting at another file.", error.Message);
        var after = await File.ReadAllBytesAsync(_database.FilePath, Ct);
        const int damagedFlag = 191; // LiteDB's "invalid datafile state" byte in the header page
        Assert.Equal(content.Where((_, i) => i != damagedFlag), after.Where((_, i) => i != damagedFlag));
    }

    [Fact]
    public async Task AFolderThatCannotBeCreated_IsRefused_NamingTheSetting()
    {
        var blocker = Path.Combine(_database.Folder, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "a file where the folder should be", Ct);
        using var store = new LiteDbAccessStore(Path.Combine(blocker, "jitbot.db"), new OutboxSignal(), _time);

        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.MigrateAsync(Ct));

        Assert.StartsWith($"The setting Storage:ConnectionString names {Path.Combine(blocker, "jitbot.db")}, which is in a folder JitBot cannot create", error.Message);
    }

    AccessRequest NewRequest(string requester) => new(
        RequestId.New(), requester, "payments-db", null, "INC-1", null, null, false, RequestState.Pending, _time.GetUtcNow(), null, null,
        DecisionJsonTests.RichDecision(), []);
}

/// <summary>The writer thread on its own, with a clock for its idle limit.</summary>
public sealed class LiteDbWriterTests : IDisposable
{
    readonly LiteDatabase _db = new(new MemoryStream());
    readonly MsFakeTime _idleClock = new();
    readonly LiteDbWriter _writer;

    public LiteDbWriterTests() => _writer = new LiteDbWriter(_db, (_, committed) => committed.TrySetResult(null), _idleClock);

    public void Dispose()
    {
        _writer.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task ATransactionThatDoesNothingForTheIdleLimit_IsRolledBack_AndTheNextOneRuns()
    {
        var forgotten = _writer.Begin(durable: false);
        await forgotten.RunAsync(db => db.GetCollection("things").Insert(new BsonDocument { ["_id"] = "forgotten" }));
        var session = _writer.Begin(durable: false);
        var step = session.RunAsync(db => db.GetCollection("things").Insert(new BsonDocument { ["_id"] = "next" }));
        Assert.False(step.IsCompleted); // queued behind the forgotten one

        _idleClock.Advance(LiteDbWriter.IdleLimit);
        await step;
        await session.CommitAsync();
        await session.EndAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(forgotten.CommitAsync);
        Assert.Equal("The store transaction was rolled back because it did nothing for 30 seconds.", error.Message);
        Assert.Equal(["next"], _db.GetCollection("things").FindAll().Select(d => d["_id"].AsString));
    }

    [Fact]
    public async Task AStepThatFails_EndsItsTransaction_SoNoLaterStepRunsOutsideIt()
    {
        var session = _writer.Begin(durable: false);
        await session.RunAsync(db => db.GetCollection("things").Insert(new BsonDocument { ["_id"] = "first" }));

        await Assert.ThrowsAsync<LiteException>(() => session.RunAsync(db => db.GetCollection("things").Insert(new BsonDocument { ["_id"] = "first" })));
        await Assert.ThrowsAsync<InvalidOperationException>(() => session.RunAsync(db => db.GetCollection("things").Insert(new BsonDocument { ["_id"] = "after" })));
        await Assert.ThrowsAsync<InvalidOperationException>(session.CommitAsync);
        await session.EndAsync();

        Assert.Empty(_db.GetCollection("things").FindAll());
    }

    /// <summary>A writer of its own whose forcing to disk is counted (true: for durable commits).</summary>
    sealed class CountingWriter : IDisposable
    {
        readonly LiteDatabase _db = new(new MemoryStream());
        public readonly List<bool> Flushes = [];
        public LiteDbWriter Writer { get; }

        public CountingWriter() => Writer = new LiteDbWriter(_db, (durable, committed) =>
        {
            lock (Flushes) Flushes.Add(durable);
            committed.TrySetResult(null);
        }, new MsFakeTime());

        public int DurableFlushes { get { lock (Flushes) return Flushes.Count(f => f); } }

        public void Dispose()
        {
            Writer.Dispose();
            _db.Dispose();
        }
    }

    [Fact]
    public async Task ALoneDurableCommit_IsForcedToDisk_BeforeItsCallerHearsOfIt()
    {
        using var w = new CountingWriter();

        await w.Writer.WriteAsync(_ => 1, durable: true, CancellationToken.None);

        Assert.Equal(1, w.DurableFlushes);
        await w.Writer.WriteAsync(_ => 1, durable: false, CancellationToken.None);
        Assert.Equal(1, w.DurableFlushes);
    }

    [Fact]
    public async Task ATransactionEndedBeforeItsFirstStep_NeverReachesTheWriter_AndCannotBeUsedAfterwards()
    {
        var unused = _writer.Begin(durable: false);
        await unused.EndAsync(); // returns at once: there is nothing on the writer thread to roll back

        await Assert.ThrowsAsync<InvalidOperationException>(() => unused.RunAsync(_ => true));
        Assert.Equal(1, await _writer.WriteAsync(_ => 1, durable: false, CancellationToken.None));
    }

    [Fact]
    public async Task ATransactionIsQueuedWithItsFirstStep_SoAnotherTransactionBegunLaterButUsedFirstGoesFirst()
    {
        var order = new List<string>();
        var early = _writer.Begin(durable: false);
        var late = _writer.Begin(durable: false);

        await late.RunAsync(_ => { order.Add("late"); return true; });
        await late.CommitAsync();
        await early.RunAsync(_ => { order.Add("early"); return true; });
        await early.CommitAsync();
        await Task.WhenAll(early.EndAsync(), late.EndAsync());

        Assert.Equal(["late", "early"], order);
    }

    [Fact]
    public async Task AWriteOfItsOwn_FailingInItsStep_ReportsThatError_AndCommitsNothing()
    {
        var error = await Assert.ThrowsAsync<LiteException>(() => _writer.WriteAsync(db =>
        {
            db.GetCollection("things").Insert(new BsonDocument { ["_id"] = "kept?" });
            return db.GetCollection("things").Insert(new BsonDocument { ["_id"] = "kept?" });
        }, durable: false, CancellationToken.None));

        Assert.Contains("duplicate key", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_db.GetCollection("things").FindAll());
        Assert.Equal(1, await _writer.WriteAsync(db => db.GetCollection("things").Insert(new BsonDocument { ["_id"] = "next" }) is not null ? 1 : 0,
            durable: false, CancellationToken.None));
    }

    [Fact]
    public async Task BackgroundWrites_WaitWhileOrdinaryTransactionsAreQueued_AndKeepTheirOwnOrder()
    {
        var order = new List<string>();
        var holding = _writer.Begin(durable: false);
        await holding.RunAsync(_ => true); // the writer is busy with this one, waiting for its next step
        var writes = new List<Task>();
        foreach (var (name, background) in new[] { ("notice 1", true), ("request 1", false), ("notice 2", true), ("request 2", false) })
        {
            writes.Add(_writer.WriteAsync(_ =>
            {
                order.Add(name); // on the writer thread, one at a time
                return true;
            }, durable: false, CancellationToken.None, background));
        }
        // Every write is queued before the writer is free again: they cannot have run, the writer is held.
        Assert.Empty(order);

        await holding.CommitAsync();
        await holding.EndAsync();
        await Task.WhenAll(writes);

        Assert.Equal(["request 1", "request 2", "notice 1", "notice 2"], order);
    }

    [Fact]
    public async Task ABackgroundWrite_IsNotStarved_ByOrdinaryTransactionsThatKeepComing()
    {
        var order = new List<string>();
        var holding = _writer.Begin(durable: false);
        await holding.RunAsync(_ => true); // the writer is busy with this one, waiting for its next step
        var writes = new List<Task> { Write("notice", background: true) };
        for (var i = 1; i <= LiteDbWriter.OrdinaryBeforeBackground + 2; i++) writes.Add(Write($"request {i}", background: false));

        await holding.CommitAsync();
        await holding.EndAsync();
        await Task.WhenAll(writes);

        // The session that held the writer counts as the first ordinary one in a row.
        Assert.Equal(LiteDbWriter.OrdinaryBeforeBackground - 1, order.IndexOf("notice"));
        return;

        Task Write(string name, bool background) => _writer.WriteAsync(_ =>
        {
            order.Add(name);
            return true;
        }, durable: false, CancellationToken.None, background);
    }

    [Theory]
    [InlineData(LiteDbWriter.MaxGroup)]
    [InlineData(1)]
    public async Task WritesQueuedTogether_ShareOneCommit_InOrder_EachSeeingTheOnesBefore(int maxGroup)
    {
        var events = new List<string>();
        using var db = new LiteDatabase(new MemoryStream());
        using var writer = new LiteDbWriter(db, (durable, committed) =>
        {
            events.Add(durable ? "durable commit" : "commit"); // on the writer thread
            committed.TrySetResult(null);
        }, new MsFakeTime(), maxGroup);
        var holding = writer.Begin(durable: false);
        await holding.RunAsync(_ => true); // the writer is busy with this one, waiting for its next step
        var writes = Enumerable.Range(1, 3).Select(i => writer.WriteAsync(d =>
        {
            events.Add($"write {i}");
            d.GetCollection("things").Insert(new BsonDocument { ["_id"] = i });
            return d.GetCollection("things").Count();
        }, durable: i == 2, CancellationToken.None)).ToList();

        await holding.CommitAsync();
        await holding.EndAsync();

        var counts = await Task.WhenAll(writes);
        Assert.Equal([1, 2, 3], counts);
        Assert.Equal(maxGroup > 1
            ? ["commit", "write 1", "write 2", "write 3", "commit", "durable commit", "commit"]
            : ["commit", "write 1", "commit", "write 2", "durable commit", "write 3", "commit"], events);
    }

    [Fact]
    public async Task AWriteFailingInAGroup_FailsAlone_AndTheOthersInTheGroupCommit()
    {
        var holding = _writer.Begin(durable: false);
        await holding.RunAsync(_ => true);
        var first = Insert("a");
        var failing = _writer.WriteAsync(db =>
        {
            db.GetCollection("things").Insert(new BsonDocument { ["_id"] = "b" });
            return db.GetCollection("things").Insert(new BsonDocument { ["_id"] = "a" }); // already there: fails
        }, durable: false, CancellationToken.None);
        var third = Insert("c");

        await holding.CommitAsync();
        await holding.EndAsync();

        Assert.Equal("a", await first);
        Assert.Equal("c", await third);
        var error = await Assert.ThrowsAsync<LiteException>(() => failing);
        Assert.Contains("duplicate key", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["a", "c"], _db.GetCollection("things").FindAll().Select(d => d["_id"].AsString).Order());
        return;

        Task<string> Insert(string id) => _writer.WriteAsync(db =>
        {
            db.GetCollection("things").Insert(new BsonDocument { ["_id"] = id });
            return id;
        }, durable: false, CancellationToken.None);
    }

    [Fact]
    public async Task ATransactionOfSeveralSteps_IsNotGrouped_AndRunsBetweenTheWritesAroundIt()
    {
        var order = new List<string>();
        var holding = _writer.Begin(durable: false);
        await holding.RunAsync(_ => true);
        var before = _writer.WriteAsync(_ => { order.Add("before"); return true; }, durable: false, CancellationToken.None);
        var steps = _writer.Begin(durable: false);
        var firstStep = steps.RunAsync(_ => { order.Add("step 1"); return true; });
        var after = _writer.WriteAsync(_ => { order.Add("after"); return true; }, durable: false, CancellationToken.None);

        await holding.CommitAsync();
        await holding.EndAsync();
        await before;
        await firstStep;
        await steps.RunAsync(_ => { order.Add("step 2"); return true; });
        await steps.CommitAsync();
        await steps.EndAsync();
        await after;

        Assert.Equal(["before", "step 1", "step 2", "after"], order);
    }
}
