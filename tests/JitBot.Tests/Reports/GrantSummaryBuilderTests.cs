using JitBot.Audit;
using JitBot.Reports;
using static JitBot.Tests.Reports.AuditScript;

namespace JitBot.Tests.Reports;

public sealed class GrantSummaryBuilderTests
{
    static readonly DateTimeOffset Since = T0.AddDays(-1), Until = T0.AddDays(10);

    static IReadOnlyList<GrantSummary> Build(AuditScript script) => Fed(script.Events).Grants();

    /// <summary>A builder for the period that has taken <paramref name="events"/>.</summary>
    static GrantSummaryBuilder Fed(IEnumerable<AuditEvent> events, DateTimeOffset? since = null, DateTimeOffset? until = null)
    {
        var builder = new GrantSummaryBuilder(since ?? Since, until ?? Until);
        foreach (var e in events) builder.Add(e);
        return builder;
    }

    /// <summary>U1's request r1 for prod, granted by the policy at T0 as grant g1 for <paramref name="duration"/>.</summary>
    static AuditScript Granted(TimeSpan duration) =>
        new AuditScript().Submit("r1", "U1", "prod", "fix", T0).Decide("r1", "AutoApproved", "Granted", T0).Start("r1", "g1", "U1", "prod", T0, duration);

    /// <summary>The one grant of <see cref="Granted"/>, ended <paramref name="after"/> its start by <paramref name="kind"/> of <paramref name="actor"/>.</summary>
    static GrantSummary Ended(TimeSpan duration, string kind, TimeSpan after, string actor, (string, string?) data) =>
        Assert.Single(Build(Granted(duration).End(kind, "r1", "g1", T0 + after, actor, data)));

    [Fact]
    public void Approved_CarriesTheApproverReasonTicketAndTimes()
    {
        var script = new AuditScript()
            .Submit("r1", "U1", "payments-api-prod", "payouts stuck (ticket: INC-4312)", T0)
            .Decide("r1", "ApprovalRequired", "Pending", T0)
            .Approve("r1", "U2", T0.AddMinutes(5))
            .Start("r1", "g1", "U1", "payments-api-prod", T0.AddMinutes(5), TimeSpan.FromHours(1), actor: "U2")
            .End(AuditKinds.GrantExpired, "r1", "g1", T0.AddMinutes(65));

        var g = Assert.Single(Build(script));
        Assert.Equal(("g1", "r1", "U1", "payments-api-prod"), (g.GrantId, g.RequestId, g.Person, g.Resource));
        Assert.Equal(GrantApproval.Approved, g.Approval);
        Assert.Equal("U2", g.ApprovedBy);
        Assert.Equal("payouts stuck (ticket: INC-4312)", g.Reason);
        Assert.Equal("INC-4312", g.Ticket);
        Assert.Equal(GrantEnd.Expired, g.End);
        Assert.Equal(TimeSpan.FromHours(1), g.Duration(Until));
    }

    [Fact]
    public void AutoApproved_IsShownAsAuto()
    {
        var g = Assert.Single(Build(new AuditScript().AutoGrant("1", "U1", "db-staging", T0, TimeSpan.FromHours(2))));
        Assert.Equal(GrantApproval.Auto, g.Approval);
        Assert.Null(g.ApprovedBy);
        Assert.Equal("auto (policy)", ReportText.Approval(g));
    }

    [Fact]
    public void DeniedRejectedAndTimedOutRequests_AreNotShown_AndNotKept()
    {
        var script = new AuditScript()
            .Submit("r1", "U1", "prod", "x", T0).Decide("r1", "Denied", "Denied", T0)
            .Submit("r2", "U1", "prod", "y", T0).Decide("r2", "ApprovalRequired", "Pending", T0).Reject("r2", "U2", T0.AddMinutes(1))
            .Submit("r3", "U1", "prod", "z", T0).Decide("r3", "ApprovalRequired", "Pending", T0)
            .End(AuditKinds.RequestTimedOut, "r3", null!, T0.AddHours(1));
        var builder = Fed(script.Events);
        Assert.Empty(builder.Grants());
        Assert.Equal(0, builder.Held);
    }

    [Fact]
    public void Revoked_SaysByWhomAndWhy()
    {
        var g = Ended(TimeSpan.FromHours(4), AuditKinds.GrantRevoked, TimeSpan.FromMinutes(30), "U9", ("reason", "done early"));
        Assert.Equal((GrantEnd.Revoked, "U9", "done early"), (g.End, g.EndedBy, g.EndReason));
        Assert.Equal(TimeSpan.FromMinutes(30), g.Duration(Until));
    }

    [Fact]
    public void Extended_CountsTheExtensionsAndMovesTheDueTime_AndDropsTheExtensionRequest()
    {
        var script = Granted(TimeSpan.FromHours(1))
            .Submit("r2", "U1", "prod", "more time", T0.AddMinutes(50))
            .End(AuditKinds.GrantExtended, "r2", "g1", T0.AddMinutes(50), "U2", ("newExpiresAt", T0.AddHours(2).ToString("O")))
            .End(AuditKinds.GrantExpired, "r1", "g1", T0.AddHours(2));
        var builder = Fed(script.Events);
        var g = Assert.Single(builder.Grants());
        Assert.Equal((1, T0.AddHours(2), GrantEnd.Expired), (g.Extensions, g.DueAt, g.End));
        Assert.Equal(1, builder.Held); // the grant only: the extension request is not waiting for a grant
    }

    [Fact]
    public void IncidentGrant_IsApprovedByTheIncident_AndEndsCutShort()
    {
        var script = new AuditScript().Submit("r1", "U1", "prod", "outage", T0, incident: true).Decide("r1", "AutoApproved", "Granted", T0)
            .Start("r1", "g1", "U1", "prod", T0, TimeSpan.FromHours(4))
            .End(AuditKinds.IncidentGrantCutShort, "r1", "g1", T0.AddHours(1), "jitbot", ("endsAt", T0.AddHours(1).ToString("O")))
            .End(AuditKinds.GrantExpired, "r1", "g1", T0.AddHours(1));
        var g = Assert.Single(Build(script));
        Assert.Equal((GrantApproval.Incident, GrantEnd.CutShort), (g.Approval, g.End));
        Assert.Equal("INC1", g.IncidentId);
        Assert.Equal("cut short", ReportText.End(g));
    }

    [Fact]
    public void Failed_IsShownAsFailedWithTheError()
    {
        var g = Ended(TimeSpan.FromHours(1), AuditKinds.GrantFailed, TimeSpan.FromSeconds(2), "jitbot", ("error", "provider down"));
        Assert.Equal((GrantEnd.Failed, "provider down"), (g.End, g.EndReason));
    }

    [Fact]
    public void StillActive_HasNoEnd_AndCountsUpToNow()
    {
        var g = Assert.Single(Build(Granted(TimeSpan.FromHours(8))));
        Assert.Equal((GrantEnd.Active, (DateTimeOffset?)null), (g.End, g.Ended));
        Assert.Equal(TimeSpan.FromHours(3), g.Duration(T0.AddHours(3)));
    }

    [Fact]
    public void OlderAuditFormat_MissingFields_AreUnknown_NotAFailure()
    {
        // A grant.started without data and no submission: written before these fields existed, or before the log began.
        var events = new AuditScript().Events;
        events.Add(new AuditEvent(AuditKinds.GrantStarted, T0, "U2", "r1", "g1"));
        events.Add(new AuditEvent(AuditKinds.GrantExpired, T0.AddHours(1), "jitbot", "r1", "g1"));
        var g = Assert.Single(Fed(events).Grants());
        Assert.Equal(((string?)null, (string?)null, GrantApproval.Unknown, T0), (g.Person, g.Resource, g.Approval, g.Started));
        Assert.Equal("unknown", ReportText.Approval(g));
    }

    [Fact]
    public void GrantsOutsideThePeriod_AreLeftOut_AndOnesEndedBeforeItAreNotKept()
    {
        var script = new AuditScript()
            .AutoGrant("1", "U1", "a", T0, TimeSpan.FromHours(1))                 // before the period
            .AutoGrant("2", "U1", "b", T0.AddDays(2).AddHours(-1), TimeSpan.FromHours(2)) // overlaps its start
            .AutoGrant("3", "U1", "c", T0.AddDays(5), TimeSpan.FromHours(1));     // after it
        var builder = Fed(script.Events, T0.AddDays(2), T0.AddDays(3));
        Assert.Equal(["g2"], builder.Grants().Select(g => g.GrantId));
        Assert.Equal(1, builder.Held);
    }

    [Theory]
    [InlineData("payouts stuck (ticket: INC-4312)", "INC-4312")]
    [InlineData("(ticket: DPR-7)", "DPR-7")]
    [InlineData("INC-99 payouts", "INC-99")]
    [InlineData("just looking", null)]
    [InlineData(null, null)]
    public void TicketIn_FindsTheFormsTicketOrATicketLikeWord(string? reason, string? ticket) =>
        Assert.Equal(ticket, GrantSummaryBuilder.TicketIn(reason));
}
