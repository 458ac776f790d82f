using JitBot.Audit;
using JitBot.Policies;
using JitBot.Tests.Fakes;
using JitBot.Tests.Storage;
using LiteDB;

namespace JitBot.Tests.Audit;

public sealed class AuditChainTests : IAsyncLifetime
{
    readonly CoreHarness h = new();
    CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync()
    {
        h.Policy.AutoApprove("staging-db", TimeSpan.FromHours(1))
            .Deny("prod-root")
            .RequireApproval("payments-db", TimeSpan.FromHours(2), TimeSpan.FromHours(1),
                new ApprovalRequirement(FakePolicy.Group("@payments-oncall", "S0ONCALL"), 2));
        h.Directory_.Add("S0ONCALL", "U0ALICE", "U0BOB");
        await h.SubmitAsync("U0REQ", "staging-db");
        await h.SubmitAsync("U0REQ", "prod-root");
        var pending = await h.SubmitAsync("U0REQ", "payments-db");
        await h.Requests.ApproveAsync(pending.Request.Id, "U0ALICE", Ct);
        await h.Requests.ApproveAsync(pending.Request.Id, "U0BOB", Ct);
        h.Time.Advance(TimeSpan.FromHours(3));
        await h.Sweeper.SweepAsync(Ct);
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task Chain_OfARealLifecycle_Verifies()
    {
        var result = await h.Audit.VerifyAsync(Ct);

        Assert.True(result.Intact, result.Problem);
        var all = await h.Audit.ReadAsync(0, 1000, Ct);
        Assert.Equal(all.Count, result.EventsChecked);
        var kinds = all.Select(a => a.Event.Kind).ToList();
        foreach (var kind in new[] { "request.submitted", "request.decided", "request.vote_recorded", "request.approved", "grant.started", "grant.provisioned", "grant.expired" })
            Assert.Contains(kind, kinds);
        Assert.All(all.Where(a => a.Event.Kind == "request.decided"), a => Assert.Equal(FakePolicy.Version, a.Event.Data!["policyVersion"]));
        Assert.Equal(AuditChain.Genesis, all[0].PreviousHash);
        for (var i = 1; i < all.Count; i++) Assert.Equal(all[i - 1].Hash, all[i].PreviousHash);
    }

    /// <summary>
    /// Someone with write access to the database file edits the audit collection directly (JitBot is stopped,
    /// as it holds the file while it runs); JitBot then starts again on the edited file.
    /// </summary>
    CoreHarness Tampered(Action<ILiteCollection<BsonDocument>> edit)
    {
        h.Database.Close(h.Store);
        using (var db = new LiteDatabase(((LiteDbTestDatabase)h.Database).FilePath))
            edit(db.GetCollection("audit_events"));
        return h.Restart();
    }

    [Fact]
    public async Task Verify_DetectsAModifiedRow()
    {
        await using var restarted = Tampered(audit =>
        {
            var row = audit.FindById(3);
            row["actor"] = "U0MALLORY";
            audit.Update(row);
        });

        var result = await restarted.Audit.VerifyAsync(Ct);

        Assert.False(result.Intact);
        Assert.Equal(3, result.FirstBrokenSeq);
        Assert.Equal(2, result.EventsChecked);
    }

    [Fact]
    public async Task Verify_DetectsAModifiedRowEvenWhenItsHashIsRecomputed()
    {
        var records = await h.Audit.ReadAsync(0, 10, Ct);
        var forged = records[1].Event with { Actor = "U0MALLORY" };
        var hash = AuditChain.Hash(records[1].PreviousHash, 2, forged);
        await using var restarted = Tampered(audit =>
        {
            var row = audit.FindById(2);
            row["actor"] = "U0MALLORY";
            row["hash"] = hash;
            audit.Update(row);
        });

        var result = await restarted.Audit.VerifyAsync(Ct);

        Assert.False(result.Intact);
        Assert.Equal(3, result.FirstBrokenSeq);
    }

    [Fact]
    public async Task Verify_DetectsADeletedRow()
    {
        await using var restarted = Tampered(audit => audit.Delete(4));

        var result = await restarted.Audit.VerifyAsync(Ct);

        Assert.False(result.Intact);
        Assert.Equal(5, result.FirstBrokenSeq);
    }

    [Fact]
    public void CanonicalJson_IsIndependentOfDataKeyOrder()
    {
        var at = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        var a = new AuditEvent("k", at, "U1", "req_1", null, new Dictionary<string, string?> { ["b"] = "2", ["a"] = "1" });
        var b = a with { Data = new Dictionary<string, string?> { ["a"] = "1", ["b"] = "2" } };

        Assert.Equal(AuditChain.Hash(AuditChain.Genesis, 1, a), AuditChain.Hash(AuditChain.Genesis, 1, b));
        Assert.NotEqual(AuditChain.Hash(AuditChain.Genesis, 1, a), AuditChain.Hash(AuditChain.Genesis, 2, a));
        Assert.Equal("""{"seq":1,"at":1772442000000,"kind":"k","actor":"U1","request":"req_1","grant":null,"data":{"a":"1","b":"2"}}""", AuditChain.CanonicalJson(1, a));
    }
}
