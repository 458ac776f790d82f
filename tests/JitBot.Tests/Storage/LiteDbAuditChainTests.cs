using JitBot.Audit;
using JitBot.Storage.LiteDb;
using LiteDB;
using MsFakeTime = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace JitBot.Tests.Storage;

/// <summary>The audit chain's remembered end never outlives a rollback that took its record away.</summary>
public sealed class LiteDbAuditChainTests : IDisposable
{
    static readonly CancellationToken Ct = CancellationToken.None;
    readonly LiteDatabase _db = new(new MemoryStream());
    readonly LiteDbWriter _writer;
    readonly LiteDbAuditChain _chain;

    public LiteDbAuditChainTests()
    {
        _writer = new LiteDbWriter(_db, (_, committed) => committed.TrySetResult(null), new MsFakeTime());
        _chain = new LiteDbAuditChain(_writer);
    }

    public void Dispose()
    {
        _writer.Dispose();
        _db.Dispose();
    }

    static AuditEvent Event(string kind) => new(kind, DateTimeOffset.UnixEpoch, "U0TEST");

    Task<bool> Append(string kind, bool thenFail = false) => _writer.WriteAsync(db =>
    {
        _chain.Append(db, [Event(kind)]);
        if (thenFail) throw new InvalidOperationException("a later step failed");
        return true;
    }, durable: false, Ct);

    List<AuditRecord> Stored() => _db.GetCollection(LiteDbDocuments.Names.Audit).FindAll().Select(LiteDbDocuments.ToAudit).OrderBy(r => r.Seq).ToList();

    [Fact]
    public async Task AnAppendRolledBackAfterItWasMade_IsForgotten_SoTheNextContinuesFromWhatWasKept()
    {
        await Append("kept.first");
        await Assert.ThrowsAsync<InvalidOperationException>(() => Append("rolled.back", thenFail: true));
        await Append("kept.second");

        var stored = Stored();
        Assert.Equal(["kept.first", "kept.second"], stored.Select(r => r.Event.Kind));
        Assert.Equal([1L, 2L], stored.Select(r => r.Seq));
        Assert.True(AuditChainVerifier.Verify(stored).Intact);
    }

    [Fact]
    public async Task AGroupUndoneByOneFailingWrite_LeavesAWholeChain_OfTheWritesThatCommitted()
    {
        await Append("before");
        var holding = _writer.Begin(durable: false);
        await holding.RunAsync(_ => true); // the writer waits on this one while the others queue up together
        var grouped = new[] { Append("group.first"), Append("group.failing", thenFail: true), Append("group.third") };

        await holding.CommitAsync();
        await holding.EndAsync();
        await grouped[0];
        await Assert.ThrowsAsync<InvalidOperationException>(() => grouped[1]);
        await grouped[2];
        await Append("after");

        var stored = Stored();
        Assert.Equal(["before", "group.first", "group.third", "after"], stored.Select(r => r.Event.Kind));
        Assert.True(AuditChainVerifier.Verify(stored).Intact);
    }
}
