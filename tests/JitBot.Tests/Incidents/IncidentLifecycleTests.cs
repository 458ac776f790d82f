using JitBot.Audit;
using JitBot.Incidents;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Incidents;

/// <summary>
/// The incident lifecycle over a real store with a fake clock: start (once per channel), requests tied to it and
/// capped at its end, and its end — by command, at its maximum length, when the channel is archived, after a
/// restart in the middle, and with a grant that arrived after the end began.
/// </summary>
public sealed class IncidentLifecycleTests : IAsyncLifetime
{
    const string Channel = "C0INCIDENT";
    CoreHarness h = null!;
    static CancellationToken Ct => CoreHarness.Ct;

    public Task InitializeAsync()
    {
        h = new CoreHarness();
        h.Policy.AutoApprove("payments-db", TimeSpan.FromHours(2));
        h.Policy.AutoApprove("k8s-prod", TimeSpan.FromHours(8));
        h.Policy.RequireApproval("ledger-db", TimeSpan.FromHours(1), TimeSpan.FromHours(1), new ApprovalRequirement(FakePolicy.Users("@leads", "U0LEAD"), 1));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    Task<SubmitOutcome> AskAsync(string user, string resource, string channel = Channel, string channelName = "payments-outage") =>
        h.Requests.SubmitAsync(new NewAccessRequest(user, resource, null, "INC-77 payouts stuck", channel, channelName), Ct);

    async Task<IReadOnlyList<AuditRecord>> AuditAsync(string kind) =>
        (await h.Store.ReadAuditAsync(0, 10_000, Ct)).Where(r => r.Event.Kind == kind).ToList();

    [Fact]
    public async Task StartTwice_GivesOneIncident_AndTheSecondCallerSeesIt()
    {
        var first = await h.Incidents.StartAsync(Channel, "payments-outage", "U0ANA", "INC-77", TimeSpan.FromHours(4), Ct);
        var second = await h.Incidents.StartAsync(Channel, "payments-outage", "U0BEN", "INC-78", null, Ct);

        Assert.True(first.Started);
        Assert.False(second.Started);
        Assert.Equal(first.Incident, second.Incident);
        Assert.Equal(CoreHarness.Start.AddHours(4), first.Incident.EndsAt);
        Assert.Equal(first.Incident.EndsAt, h.Scheduler.IncidentEnds[first.Incident.Id]);
        var started = Assert.Single(await AuditAsync(AuditKinds.IncidentStarted));
        Assert.Equal("U0ANA", started.Event.Actor);
        Assert.Equal(first.Incident.Id.Value, started.Event.Data!["incident"]);
    }

    [Fact]
    public async Task Length_IsTheDefaultWhenNotGiven_AndNeverMoreThanTheMaximum()
    {
        var plain = await h.Incidents.StartAsync("C0ONE", null, "U0ANA", null, null, Ct);
        var asked = await h.Incidents.StartAsync("C0TWO", null, "U0ANA", null, TimeSpan.FromDays(3), Ct);

        Assert.Equal(CoreHarness.Start + IncidentLength.Defaults.Default, plain.Incident.EndsAt);
        Assert.Equal(CoreHarness.Start + IncidentLength.Defaults.Max, asked.Incident.EndsAt);
    }

    [Fact]
    public async Task RequestInTheChannel_IsTiedToTheIncident_SeenByThePolicy_AndCappedAtItsEnd()
    {
        var incident = (await h.Incidents.StartAsync(Channel, "payments-outage", "U0ANA", "INC-77", TimeSpan.FromHours(1), Ct)).Incident;

        var outcome = await AskAsync("U0BEN", "k8s-prod");

        Assert.Equal(incident.Id, outcome.Request.IncidentId);
        Assert.True(outcome.Request.Incident);
        var seen = h.Policy.Seen.Last();
        Assert.True(seen.Context.Incident);
        Assert.Equal(incident.Id.Value, seen.Context.IncidentId);
        Assert.Equal("INC-77", seen.Context.IncidentLabel);
        Assert.Equal(incident.EndsAt, outcome.Grant!.ExpiresAt);
        Assert.True(outcome.Request.Decision.Duration!.Capped);
        var decided = Assert.Single(await AuditAsync(AuditKinds.RequestDecided));
        Assert.Equal(incident.Id.Value, decided.Event.Data!["incidentId"]);

        var elsewhere = await AskAsync("U0BEN", "k8s-prod", channel: "C0OTHER", channelName: "dev-help");
        Assert.Null(elsewhere.Request.IncidentId);
        Assert.Equal(CoreHarness.Start.AddHours(8), elsewhere.Grant!.ExpiresAt);
    }

    [Fact]
    public async Task IncidentChannel_OpensAnIncident_OnItsFirstRequest()
    {
        var outcome = await AskAsync("U0BEN", "payments-db", channel: "C0INC77", channelName: "inc-77");

        var incident = await h.Store.CurrentIncidentAsync("C0INC77", Ct);
        Assert.NotNull(incident);
        Assert.Equal("U0BEN", incident.StartedBy);
        Assert.Equal(CoreHarness.Start + IncidentLength.Defaults.Default, incident.EndsAt);
        Assert.Equal(incident.Id, outcome.Request.IncidentId);

        var again = await AskAsync("U0ANA", "payments-db", channel: "C0INC77", channelName: "inc-77");
        Assert.Equal(incident.Id, again.Request.IncidentId);
        Assert.Single(await AuditAsync(AuditKinds.IncidentStarted));
    }

    [Fact]
    public async Task End_RevokesEveryGrant_ClosesWhatWaits_QueuesTheDigest_AndEndingTwiceChangesNothing()
    {
        var incident = (await h.Incidents.StartAsync(Channel, "payments-outage", "U0ANA", "INC-77", null, Ct)).Incident;
        var ana = await AskAsync("U0ANA", "payments-db");
        var ben = await AskAsync("U0BEN", "k8s-prod");
        var waiting = await AskAsync("U0BEN", "ledger-db");
        var outside = await AskAsync("U0BEN", "payments-db", channel: "C0OTHER", channelName: "dev-help");
        Assert.Equal(RequestState.Pending, waiting.Request.State);
        h.Time.Advance(TimeSpan.FromMinutes(20));

        var end = await h.IncidentEnder.EndAsync(Channel, "U0CAROL", IncidentEndReasons.Command, Ct);

        Assert.Equal(IncidentEndVerdict.Ended, end.Verdict);
        Assert.Equal(IncidentState.Ended, end.Incident!.State);
        Assert.Equal("U0CAROL", end.Incident.EndedBy);
        Assert.Equal(h.Time.GetUtcNow(), end.Incident.EndedAt);
        foreach (var grant in new[] { ana.Grant!, ben.Grant! })
        {
            var stored = (await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant;
            Assert.NotEqual(GrantState.Active, stored.State);
            Assert.Equal(h.Time.GetUtcNow(), stored.EndedAt);
            Assert.Contains("revoke " + grant.Id, h.Provider.Log);
        }
        Assert.Equal(GrantState.Active, (await h.Store.FindGrantAsync(outside.Grant!.Id, Ct))!.Grant.State);
        Assert.DoesNotContain("revoke " + outside.Grant.Id, h.Provider.Log);
        var closed = (await h.Store.FindRequestAsync(waiting.Request.Id, Ct))!;
        Assert.Equal(RequestState.Rejected, closed.State);
        Assert.Equal(RequestService.SystemActor, closed.DecidedBy);
        Assert.Equal(2, (await AuditAsync(AuditKinds.IncidentGrantCutShort)).Count);
        Assert.Single(await AuditAsync(AuditKinds.IncidentEnding));
        Assert.Single(await AuditAsync(AuditKinds.IncidentEnded));
        Assert.Null(await h.Store.CurrentIncidentAsync(Channel, Ct));

        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Contains(h.Notifier.Calls, c => c.Kind == "GrantEnded" && c.GrantId == ana.Grant!.Id);
        Assert.Contains(h.Notifier.Calls, c => c.Kind == "RequestClosed" && c.RequestId == waiting.Request.Id);

        var again = await h.IncidentEnder.EndAsync(Channel, "U0CAROL", IncidentEndReasons.Command, Ct);
        await h.IncidentEnder.ChannelArchivedAsync(Channel, "U0CAROL", h.Time.GetUtcNow(), Ct);
        Assert.Equal(IncidentEndVerdict.NoIncident, again.Verdict);
        Assert.Single(await AuditAsync(AuditKinds.IncidentEnded));
        Assert.Equal(incident.Id, (await h.Store.FindIncidentAsync(incident.Id, Ct))!.Id);
    }

    [Fact]
    public async Task MaximumLength_EndsTheIncident_ThroughItsTriggerOrTheSweep()
    {
        var incident = (await h.Incidents.StartAsync(Channel, "payments-outage", "U0ANA", null, TimeSpan.FromHours(1), Ct)).Incident;
        var ben = await AskAsync("U0BEN", "k8s-prod");
        Assert.False(await h.IncidentEnder.EndDueAsync(incident.Id, Ct)); // not due yet: nothing happens
        Assert.Equal(IncidentState.Open, (await h.Store.FindIncidentAsync(incident.Id, Ct))!.State);

        h.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await h.IncidentEnder.SweepAsync(Ct));

        var ended = (await h.Store.FindIncidentAsync(incident.Id, Ct))!;
        Assert.Equal(IncidentState.Ended, ended.State);
        Assert.Equal(IncidentEndReasons.MaximumLength, ended.EndReason);
        Assert.Equal(RequestService.SystemActor, ended.EndedBy);
        Assert.NotEqual(GrantState.Active, (await h.Store.FindGrantAsync(ben.Grant!.Id, Ct))!.Grant.State);
        Assert.Equal(0, await h.IncidentEnder.SweepAsync(Ct));
    }

    [Fact]
    public async Task AnArchiveOlderThanTheIncident_LeavesItOpen_AndALaterOneEndsIt()
    {
        var archivedAt = h.Time.GetUtcNow();
        h.Time.Advance(TimeSpan.FromMinutes(30));       // unarchived since; a new incident begins
        var incident = (await h.Incidents.StartAsync(Channel, "payments-outage", "U0ANA", null, null, Ct)).Incident;
        var ben = await AskAsync("U0BEN", "payments-db");

        // The old archive arrives late (a retry, or out of order): it is older than the incident.
        await h.IncidentEnder.ChannelArchivedAsync(Channel, "U0ANA", archivedAt, Ct);
        Assert.Equal(IncidentState.Open, (await h.Store.FindIncidentAsync(incident.Id, Ct))!.State);
        Assert.Equal(GrantState.Active, (await h.Store.FindGrantAsync(ben.Grant!.Id, Ct))!.Grant.State);

        // Slack's whole-second event time a moment before the start still counts.
        await h.IncidentEnder.ChannelArchivedAsync(Channel, "U0ANA", incident.StartedAt - TimeSpan.FromSeconds(1), Ct);
        Assert.Equal(IncidentState.Ended, (await h.Store.FindIncidentAsync(incident.Id, Ct))!.State);
        Assert.NotEqual(GrantState.Active, (await h.Store.FindGrantAsync(ben.Grant!.Id, Ct))!.Grant.State);
    }

    [Fact]
    public async Task ChannelArchived_EndsItsIncident_AndAChannelWithoutOneIsLeftAlone()
    {
        await h.IncidentEnder.ChannelArchivedAsync("C0NONE", "U0ANA", h.Time.GetUtcNow(), Ct);
        var incident = (await h.Incidents.StartAsync(Channel, "payments-outage", "U0ANA", null, null, Ct)).Incident;
        var ben = await AskAsync("U0BEN", "payments-db");

        await h.IncidentEnder.ChannelArchivedAsync(Channel, "U0ANA", h.Time.GetUtcNow(), Ct);
        await h.IncidentEnder.ChannelArchivedAsync(Channel, "U0ANA", h.Time.GetUtcNow(), Ct);

        var ended = (await h.Store.FindIncidentAsync(incident.Id, Ct))!;
        Assert.Equal(IncidentState.Ended, ended.State);
        Assert.Equal(IncidentEndReasons.ChannelArchived, ended.EndReason);
        Assert.NotEqual(GrantState.Active, (await h.Store.FindGrantAsync(ben.Grant!.Id, Ct))!.Grant.State);
        Assert.Single(await AuditAsync(AuditKinds.IncidentEnded));
        Assert.Single(await AuditAsync(AuditKinds.IncidentStarted));
    }

    [Fact]
    public async Task RestartInTheMiddleOfEnding_ResumesAtStartUp_AndStillRevokesEverything()
    {
        var incident = (await h.Incidents.StartAsync(Channel, "payments-outage", "U0ANA", null, null, Ct)).Incident;
        var ana = await AskAsync("U0ANA", "payments-db");
        var ben = await AskAsync("U0BEN", "k8s-prod");
        // The process stops right after Open → Ending committed: nothing is revoked yet.
        await using (var tx = await h.Store.BeginAsync(Ct))
        {
            Assert.True(await tx.TryMoveIncidentAsync(incident.Id, IncidentState.Open, IncidentState.Ending, h.Time.GetUtcNow(), "U0ANA", IncidentEndReasons.Command, Ct));
            await tx.CommitAsync(Ct);
        }

        var restarted = h.Restart();
        h = restarted;
        Assert.Equal(1, await h.IncidentEnder.SweepAsync(Ct));

        Assert.Equal(IncidentState.Ended, (await h.Store.FindIncidentAsync(incident.Id, Ct))!.State);
        foreach (var grant in new[] { ana.Grant!, ben.Grant! })
            Assert.NotEqual(GrantState.Active, (await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant.State);
        Assert.Equal(2, h.Provider.RevokeCalls);
    }

    [Fact]
    public async Task GrantApprovedAfterTheEndBegan_EndsWithTheIncident()
    {
        var incident = (await h.Incidents.StartAsync(Channel, "payments-outage", "U0ANA", null, null, Ct)).Incident;
        var waiting = await AskAsync("U0BEN", "ledger-db");
        await using (var tx = await h.Store.BeginAsync(Ct))
        {
            Assert.True(await tx.TryMoveIncidentAsync(incident.Id, IncidentState.Open, IncidentState.Ending, h.Time.GetUtcNow(), "U0ANA", IncidentEndReasons.ChannelArchived, Ct));
            await tx.CommitAsync(Ct);
        }
        h.Time.Advance(TimeSpan.FromMinutes(1));

        // The approval lands between the start of the end and the closing of pending requests.
        var approved = await h.Requests.ApproveAsync(waiting.Request.Id, "U0LEAD", Ct);
        Assert.Equal(ApprovalVerdict.Approved, approved.Verdict);
        Assert.True(approved.Grant!.ExpiresAt <= h.Time.GetUtcNow());

        Assert.Equal(1, await h.IncidentEnder.SweepAsync(Ct));
        Assert.NotEqual(GrantState.Active, (await h.Store.FindGrantAsync(approved.Grant.Id, Ct))!.Grant.State);
        Assert.Equal(IncidentState.Ended, (await h.Store.FindIncidentAsync(incident.Id, Ct))!.State);
    }

    [Fact]
    public async Task FailingRevocation_KeepsTheIncidentEnding_UntilTheRetrySucceeds()
    {
        var incident = (await h.Incidents.StartAsync(Channel, "payments-outage", "U0ANA", null, null, Ct)).Incident;
        var ben = await AskAsync("U0BEN", "payments-db");
        h.Provider.RevokeFailuresLeft = 1;

        var end = await h.IncidentEnder.EndAsync(Channel, "U0ANA", IncidentEndReasons.Command, Ct);
        Assert.Equal(IncidentEndVerdict.Ending, end.Verdict);
        Assert.Equal(GrantState.Active, (await h.Store.FindGrantAsync(ben.Grant!.Id, Ct))!.Grant.State);
        Assert.Empty(await AuditAsync(AuditKinds.IncidentEnded));

        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await h.IncidentEnder.SweepAsync(Ct));
        Assert.NotEqual(GrantState.Active, (await h.Store.FindGrantAsync(ben.Grant.Id, Ct))!.Grant.State);
        Assert.Equal(IncidentState.Ended, (await h.Store.FindIncidentAsync(incident.Id, Ct))!.State);
    }
}
