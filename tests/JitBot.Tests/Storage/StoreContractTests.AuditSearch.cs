using JitBot.Audit;
using JitBot.Requests;

namespace JitBot.Tests.Storage;

/// <summary><c>/access audit</c>'s search (<see cref="AuditSearch"/>) on each store: what it finds, newest first, and how far back it reads.</summary>
public abstract partial class StoreContractTests
{
    /// <summary>
    /// Payments-db's request by U0ALICE, then (oldest to newest) an approval of it by U0BOB, a group change naming
    /// U0ALICE, an event about a request that does not exist, and <paramref name="filler"/> events about nobody.
    /// </summary>
    async Task<AccessRequest> AuditTrailAsync(int filler)
    {
        var request = NewRequest() with { RequesterId = "U0ALICE", ResourceId = "payments-db" };
        await CommitAsync(async tx =>
        {
            await tx.InsertRequestAsync(request, request.CreatedAt.AddHours(1), Ct);
            await tx.AppendAuditAsync(
            [
                new AuditEvent("request.submitted", Time.GetUtcNow(), "U0ALICE", request.Id.Value, Data: new Dictionary<string, string?> { ["resource"] = "payments-db" }),
                new AuditEvent("request.approved", Time.GetUtcNow(), "U0BOB", request.Id.Value),
                new AuditEvent("group.member.added", Time.GetUtcNow(), "policy", Data: new Dictionary<string, string?> { ["user"] = "U0ALICE" }),
                new AuditEvent("request.approved", Time.GetUtcNow(), "U0BOB", "req_doesnotexist"),
            ], Ct);
        });
        for (var done = 0; done < filler; done += 1000)
            await CommitAsync(tx => tx.AppendAuditAsync(
                Enumerable.Range(done, Math.Min(1000, filler - done)).Select(i => new AuditEvent("test.filler", Time.GetUtcNow(), $"U0FILL{i}")).ToList(), Ct));
        return request;
    }

    [Fact]
    public async Task AuditSearch_FindsAResourcesAndAPersonsEvents_ThroughTheirData_ActorAndRequest_NewestFirst()
    {
        var request = await AuditTrailAsync(filler: 600);
        var search = new AuditSearch(Store);

        var byResource = await search.RecentAsync("payments-db", null, 20, Ct);
        var byAlice = await search.RecentAsync(null, "U0ALICE", 20, Ct);
        var byBob = await search.RecentAsync(null, "U0BOB", 20, Ct);
        var lastOfAlice = await search.RecentAsync(null, "U0ALICE", 1, Ct);

        Assert.Equal(["request.approved", "request.submitted"], byResource.Select(r => r.Event.Kind));
        Assert.All(byResource, r => Assert.Equal(request.Id.Value, r.Event.RequestId));
        Assert.Equal(["group.member.added", "request.approved", "request.submitted"], byAlice.Select(r => r.Event.Kind));
        Assert.Equal([request.Id.Value, "req_doesnotexist"], byBob.Select(r => r.Event.RequestId).Reverse());
        Assert.Equal("group.member.added", Assert.Single(lastOfAlice).Event.Kind);
        Assert.Empty(await search.RecentAsync("ledger-db", null, 20, Ct));
    }

    [Fact]
    public async Task AuditSearch_ReadsOnlyTheLogsEnd_UpToItsScanLimit()
    {
        await AuditTrailAsync(filler: 1200);

        // Pages of 500 from the end: a limit of 1000 reads the last 1000 events, which are all filler.
        Assert.Empty(await new AuditSearch(Store, scanLimit: 1000).RecentAsync("payments-db", null, 20, Ct));
        Assert.Empty(await new AuditSearch(Store, scanLimit: 1000).RecentAsync(null, "U0ALICE", 20, Ct));
        Assert.Equal(2, (await new AuditSearch(Store, scanLimit: 1500).RecentAsync("payments-db", null, 20, Ct)).Count);
        Assert.Equal(2, (await new AuditSearch(Store).RecentAsync("payments-db", null, 20, Ct)).Count);
    }
}
