using JitBot.Incidents;
using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Tests.Storage;

/// <summary>Incidents: at most one not ended per channel, state moves by compare-and-swap, and what is tied to one.</summary>
public abstract partial class StoreContractTests
{
    Incident NewIncident(string channelId = "C0INC", string? label = "INC-123") =>
        new(IncidentId.New(), label, channelId, "inc-payments", "U0STARTER", Time.GetUtcNow(), Time.GetUtcNow().AddHours(8), IncidentState.Open);

    async Task<bool> InsertIncidentAsync(Incident incident)
    {
        var inserted = false;
        await CommitAsync(async tx => inserted = await tx.TryInsertIncidentAsync(incident, Ct));
        return inserted;
    }

    [Fact]
    public async Task Incident_RoundTripsEveryField_AndIsTheChannelsCurrentOne()
    {
        var incident = NewIncident();
        Assert.True(await InsertIncidentAsync(incident));

        Assert.Equal(incident, await Store.FindIncidentAsync(incident.Id, Ct));
        Assert.Equal(incident, await Store.CurrentIncidentAsync("C0INC", Ct));
        Assert.Null(await Store.CurrentIncidentAsync("C0OTHER", Ct));
        Assert.Null(await Store.CurrentIncidentAsync("c0inc", Ct)); // ids compare exactly
        Assert.Null(await Store.FindIncidentAsync(IncidentId.New(), Ct));
    }

    [Fact]
    public async Task Incident_OnePerChannelUntilItEnds_TwoRacingInsertsGiveOne()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => InsertIncidentAsync(NewIncident()))));
        Assert.Single(results, r => r);
        var current = await Store.CurrentIncidentAsync("C0INC", Ct);
        Assert.NotNull(current);

        Assert.True(await InsertIncidentAsync(NewIncident(channelId: "C0OTHER")));
        Assert.False(await InsertIncidentAsync(NewIncident()));

        // Ending still holds the channel; Ended frees it.
        await CommitAsync(async tx => Assert.True(await tx.TryMoveIncidentAsync(current.Id, IncidentState.Open, IncidentState.Ending, Time.GetUtcNow(), "U0ENDER", "ended with /access incident end", Ct)));
        Assert.False(await InsertIncidentAsync(NewIncident()));
        await CommitAsync(async tx => Assert.True(await tx.TryMoveIncidentAsync(current.Id, IncidentState.Ending, IncidentState.Ended, Time.GetUtcNow().AddMinutes(1), null, null, Ct)));
        Assert.Null(await Store.CurrentIncidentAsync("C0INC", Ct));
        Assert.True(await InsertIncidentAsync(NewIncident()));
    }

    [Fact]
    public async Task TryMoveIncident_IsACompareAndSwap_AndTheFirstEndIsKept()
    {
        var incident = NewIncident();
        await InsertIncidentAsync(incident);
        var endedAt = Time.GetUtcNow().AddHours(1);

        await CommitAsync(async tx =>
        {
            Assert.True(await tx.TryMoveIncidentAsync(incident.Id, IncidentState.Open, IncidentState.Ending, endedAt, "U0ENDER", IncidentEndReasons.Command, Ct));
            Assert.False(await tx.TryMoveIncidentAsync(incident.Id, IncidentState.Open, IncidentState.Ending, endedAt.AddMinutes(5), "U0OTHER", IncidentEndReasons.ChannelArchived, Ct));
            Assert.True(await tx.TryMoveIncidentAsync(incident.Id, IncidentState.Ending, IncidentState.Ended, endedAt.AddMinutes(2), null, null, Ct));
        });

        var back = await Store.FindIncidentAsync(incident.Id, Ct);
        Assert.Equal(incident with { State = IncidentState.Ended, EndedAt = endedAt, EndedBy = "U0ENDER", EndReason = IncidentEndReasons.Command }, back);
        Assert.Equal(endedAt, back!.Deadline);
    }

    [Fact]
    public async Task IncidentsToEnd_AreEndingOnes_AndOpenOnesPastTheirMaximumLength()
    {
        var due = NewIncident(channelId: "C0DUE") with { EndsAt = Time.GetUtcNow().AddMinutes(-1) };
        var running = NewIncident(channelId: "C0RUN");
        var ending = NewIncident(channelId: "C0END");
        var ended = NewIncident(channelId: "C0OLD") with { EndsAt = Time.GetUtcNow().AddMinutes(-5) };
        foreach (var i in new[] { due, running, ending, ended }) await InsertIncidentAsync(i);
        await CommitAsync(async tx =>
        {
            await tx.TryMoveIncidentAsync(ending.Id, IncidentState.Open, IncidentState.Ending, Time.GetUtcNow(), "U0X", "x", Ct);
            await tx.TryMoveIncidentAsync(ended.Id, IncidentState.Open, IncidentState.Ending, Time.GetUtcNow(), "U0X", "x", Ct);
            await tx.TryMoveIncidentAsync(ended.Id, IncidentState.Ending, IncidentState.Ended, Time.GetUtcNow(), null, null, Ct);
        });

        var toEnd = await Store.IncidentsToEndAsync(Time.GetUtcNow(), Ct);
        Assert.Equal(new[] { due.Id, ending.Id }.OrderBy(i => i.Value), toEnd.Select(i => i.Id).OrderBy(i => i.Value));
        var notEnded = await Store.IncidentsToEndAsync(DateTimeOffset.MaxValue, Ct);
        Assert.Equal(new[] { due.Id, running.Id, ending.Id }.OrderBy(i => i.Value), notEnded.Select(i => i.Id).OrderBy(i => i.Value));
    }

    [Fact]
    public async Task RequestsAndGrants_TiedToAnIncident_AreFoundThroughIt()
    {
        var incident = NewIncident();
        await InsertIncidentAsync(incident);
        var tied = NewRequest() with { IncidentId = incident.Id };
        var (grantedRequest, grant) = await GrantedAsync(TimeSpan.FromHours(1), tiedTo: incident.Id);
        var other = NewRequest();
        await CommitAsync(async tx =>
        {
            await tx.InsertRequestAsync(tied, null, Ct);
            await tx.InsertRequestAsync(other, null, Ct);
        });

        Assert.Equal(incident.Id, (await Store.FindRequestAsync(tied.Id, Ct))!.IncidentId);
        Assert.Null((await Store.FindRequestAsync(other.Id, Ct))!.IncidentId);
        Assert.Equal(new[] { tied.Id, grantedRequest.Id }.OrderBy(i => i.Value), (await Store.IncidentRequestsAsync(incident.Id, Ct)).Select(r => r.Id).OrderBy(i => i.Value));
        Assert.Equal([grant.Grant.Id], (await Store.IncidentGrantsAsync(incident.Id, Ct)).Select(g => g.Grant.Id));
        Assert.Empty(await Store.IncidentGrantsAsync(IncidentId.New(), Ct));
    }

    [Fact]
    public async Task CutGrantsShort_BringsActiveGrantsForward_AndTheyAreDue()
    {
        var (_, later) = await GrantedAsync(TimeSpan.FromHours(2));
        var (_, sooner) = await GrantedAsync(TimeSpan.FromMinutes(-1), requester: "U0OTHER");
        var at = Time.GetUtcNow();

        IReadOnlyList<GrantId> cut = [];
        await CommitAsync(async tx => cut = await tx.CutGrantsShortAsync([later.Grant.Id, sooner.Grant.Id, GrantId.New()], at, Ct));

        Assert.Equal([later.Grant.Id], cut);
        Assert.Equal(at, (await Store.FindGrantAsync(later.Grant.Id, Ct))!.Grant.ExpiresAt);
        Assert.Contains(later.Grant.Id, await Store.OverdueGrantsAsync(at, 10, Ct));
        await CommitAsync(async tx => Assert.Empty(await tx.CutGrantsShortAsync([later.Grant.Id], at, Ct)));
    }
}
