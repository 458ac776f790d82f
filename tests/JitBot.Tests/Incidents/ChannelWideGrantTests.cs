using JitBot.Audit;
using JitBot.Incidents;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Incidents;

/// <summary>
/// <c>/access incident grant</c>: every member the policy grants by itself gets their own grant tied to the
/// incident; the others are listed with why not; only callers the policy itself grants may do it.
/// </summary>
public sealed class ChannelWideGrantTests : IAsyncLifetime
{
    const string Channel = "C0INCIDENT";
    readonly CoreHarness h = new();
    readonly FakeChannelMembers members = new();
    ChannelWideGrant grants = null!;
    Incident incident = null!;
    static CancellationToken Ct => CoreHarness.Ct;

    public async Task InitializeAsync()
    {
        h.Policy.PerPerson("k8s-prod", TimeSpan.FromHours(2), user => user switch
        {
            "U0DENIED" => DecisionOutcome.Denied,
            "U0ASKS" => DecisionOutcome.ApprovalRequired,
            _ => DecisionOutcome.AutoApproved,
        });
        grants = new ChannelWideGrant(members, h.Decider, h.Requests, h.Store, h.Time, NullLogger<ChannelWideGrant>.Instance);
        incident = (await h.Incidents.StartAsync(Channel, "payments-outage", "U0LEAD", "INC-77", TimeSpan.FromHours(1), Ct)).Incident;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task EveryMemberThePolicyGrants_GetsTheirOwnGrant_TheOthersAreListedWithWhy()
    {
        members.Pages[Channel] = [["U0LEAD", "U0ANA", "U0DENIED"], ["B0BOT", "U0ASKS", "U0ANA"], ["U0GONE"]];
        members.NotPeople.UnionWith(["B0BOT", "U0GONE"]);
        var progress = new List<ChannelGrantProgress>();

        var results = await grants.RunAsync(incident, "U0LEAD", "k8s-prod", TimeSpan.FromHours(4), null, p => { progress.Add(p); return Task.CompletedTask; }, Ct);

        Assert.Equal(["U0LEAD", "U0ANA"], results.Where(r => r.Grant is not null).Select(r => r.UserId));
        Assert.Equal(3, progress.Count);
        Assert.Equal(new ChannelGrantProgress(6, 2, 4), progress[^1]);
        Assert.Equal("denied by rule-denied", results.Single(r => r.UserId == "U0DENIED").Why);
        Assert.Contains("needs approval", results.Single(r => r.UserId == "U0ASKS").Why);
        Assert.Equal("a bot or a deactivated account", results.Single(r => r.UserId == "B0BOT").Why);
        Assert.Equal("a bot or a deactivated account", results.Single(r => r.UserId == "U0GONE").Why);
        // Only those the policy would grant are looked up.
        Assert.Equal(["U0LEAD", "U0ANA", "B0BOT", "U0GONE"], members.AskedWhetherPerson);

        foreach (var granted in results.Where(r => r.Grant is not null))
        {
            var request = (await h.Store.FindRequestAsync(granted.Grant!.RequestId, Ct))!;
            Assert.Equal(incident.Id, request.IncidentId);
            Assert.Equal(granted.UserId, request.RequesterId);
            Assert.Equal(incident.EndsAt, granted.Grant.ExpiresAt); // capped at the incident's end
        }
        Assert.Equal(2, (await h.Store.IncidentRequestsAsync(incident.Id, Ct)).Count); // nothing stored for those not granted
        var audit = await h.Store.ReadAuditAsync(0, 1000, Ct);
        Assert.All(audit.Where(r => r.Event.Kind == AuditKinds.RequestSubmitted), r => Assert.Equal("U0LEAD", r.Event.Actor));
        var summary = Assert.Single(audit, r => r.Event.Kind == AuditKinds.IncidentChannelGrant);
        Assert.Equal("U0LEAD,U0ANA", summary.Event.Data!["granted"]);
    }

    [Fact]
    public async Task OnlySomeoneThePolicyGrantsItTo_MayGrantItChannelWide()
    {
        Assert.Null(await grants.RefusalAsync(incident, "U0LEAD", "k8s-prod", null, null, Ct));
        Assert.Contains("Only someone the policy grants k8s-prod to straight away", await grants.RefusalAsync(incident, "U0ASKS", "k8s-prod", null, null, Ct));
        Assert.Contains("denied by rule-denied", await grants.RefusalAsync(incident, "U0DENIED", "k8s-prod", null, null, Ct));
        Assert.Empty(await h.Store.IncidentRequestsAsync(incident.Id, Ct)); // deciding stores nothing
    }

    [Fact]
    public async Task OnSomeonesBehalf_ARequestThatNeedsApproval_IsNeverLeftWaiting()
    {
        var outcome = await h.Requests.SubmitAsync(ChannelWideGrant.RequestFor(incident, "U0ASKS", "U0LEAD", "k8s-prod", null, null), Ct);

        Assert.Equal(RequestState.Denied, outcome.Request.State);
        Assert.Contains("Not granted channel-wide", outcome.Request.Decision.Explanation);
    }
}
