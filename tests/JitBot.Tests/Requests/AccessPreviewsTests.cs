using JitBot.Incidents;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Fakes;
using JitBot.Tests.Policies;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace JitBot.Tests.Requests;

public class AccessPreviewsTests
{
    const string Rules = """
        rules:
          - {id: staff-dev, effect: allow, when: {resource: {env: dev}, principal: {employment: staff}}, auto_approve: true,
             duration: {default: 2h, max: 8h}}
          - {id: owners-prod, effect: allow, when: {resource: {env: production}, match: {principal.team: resource.owner-team}},
             require: {reason: true}, duration: {default: 1h, max: 4h}}
          - {id: no-restricted, effect: deny, when: {resource: {data-class: restricted}, principal: {employment: contractor}},
             message: Contractors never get restricted data.}
          - {id: warehouse-incidents, effect: allow, when: {resource: {owner-team: data}, principal: {employment: staff}},
             auto_approve: true, require: {ticket: "INC-[0-9]+"}}
        """;

    readonly FakeGroupDirectory directory = new();
    readonly IPolicySource policies = Substitute.For<IPolicySource>();
    readonly FakeTimeProvider time = new(Policy.Wednesday11);

    AccessPreviews Previews(string rules = Rules)
    {
        policies.Current.Returns(Policy.Load(rules));
        var incidents = new IncidentService(Substitute.For<JitBot.Storage.IAccessStore>(), policies, Substitute.For<IIncidentScheduler>(), time,
            NullLogger<IncidentService>.Instance);
        return new AccessPreviews(new RequestDecider(policies, directory, incidents, time));
    }

    Task<ResourcePreview> PreviewAsync(string user, string resource, TimeSpan? duration = null) =>
        Previews().PreviewAsync(user, null, "payments", resource, duration, CancellationToken.None);

    [Fact]
    public async Task AutoApproved_IsAutomatic_WithTheRulesDurationBounds()
    {
        var preview = await PreviewAsync("U0PAY0001", "payments-dev");

        Assert.Equal(PreviewOutcome.Automatic, preview.Outcome);
        Assert.False(preview.ReasonRequired);
        Assert.Null(preview.Approval);
        Assert.Equal(new DurationBounds(TimeSpan.FromHours(2), TimeSpan.FromHours(8)), preview.Durations);
    }

    [Fact]
    public async Task RefusedOnlyForAMissingReason_SaysWhoWouldApprove_OnceAReasonIsGiven()
    {
        var preview = await PreviewAsync("U0PAY0001", "payments-api", TimeSpan.FromHours(6));

        Assert.Equal(DecisionOutcome.Denied, preview.Decision.Outcome);
        Assert.Equal(PreviewOutcome.Approval, preview.Outcome);
        Assert.True(preview.ReasonRequired);
        Assert.Equal("reason", Assert.Single(preview.Needs).Field);
        Assert.Equal("@payments-oncall", Assert.Single(preview.Approval!.Requirements).Approvers.Name);
        Assert.Equal("#payments-access", preview.Approval.Channel);
        Assert.Equal(TimeSpan.FromHours(4), preview.Effective.Duration!.Granted);
        Assert.True(preview.Effective.Duration.Capped);
        Assert.Equal(new DurationBounds(TimeSpan.FromHours(1), TimeSpan.FromHours(4)), preview.Durations);
    }

    [Fact]
    public async Task ADenyRule_Wins_AndIsNamed()
    {
        var preview = await PreviewAsync("U0CTR0001", "payments-db");

        Assert.Equal(PreviewOutcome.Denied, preview.Outcome);
        Assert.False(preview.Requestable);
        Assert.Null(preview.Durations);
        Assert.Contains(preview.Decision.Rules, r => r.RuleId == "no-restricted" && r.Effect == RuleEffect.Deny);
    }

    [Fact]
    public async Task NoRuleAllowing_IsDenied()
    {
        var preview = await PreviewAsync("U0PAY0001", "solo-box");

        Assert.Equal(PreviewOutcome.Denied, preview.Outcome);
        Assert.Empty(preview.Decision.Rules);
    }

    [Fact]
    public async Task ATicketTheProbeCannotGuess_StaysNeeded_AndTheRulesSayItIsAutomatic()
    {
        var preview = await PreviewAsync("U0PAY0001", "warehouse");

        Assert.Equal(PreviewOutcome.Automatic, preview.Outcome);
        Assert.Contains(preview.Needs, n => n.Field == "ticket");
    }

    [Fact]
    public async Task AGivenReason_IsDecidedAsGiven()
    {
        var scope = await Previews().ScopeAsync("U0PAY0001", null, "payments", CancellationToken.None);

        var withTicket = AccessPreviews.Of(scope, "warehouse", null, reason: "INC-42 load stuck");
        var withoutTicket = AccessPreviews.Of(scope, "warehouse", null, reason: "load stuck");

        Assert.Equal(DecisionOutcome.AutoApproved, withTicket.Decision.Outcome);
        Assert.Null(withTicket.OnceReasonGiven);
        Assert.Equal("ticket", Assert.Single(withoutTicket.Decision.FieldProblems).Field);
        Assert.True(withoutTicket.Requestable);
    }

    [Fact]
    public async Task TheCatalog_ListsWhatCanBeAskedFor_FilteredByEveryTag_AndCountsTheRest()
    {
        var all = await Previews().CatalogAsync("U0PAY0001", null, "payments", TagFilters.None, withBounds: true, CancellationToken.None);
        var production = await Previews().CatalogAsync("U0PAY0001", null, "payments",
            new TagFilters([("env", "production"), ("owner-team", "pay*")]), withBounds: true, CancellationToken.None);

        Assert.Equal(["payments-api", "payments-db", "payments-dev", "warehouse"], all.Requestable.Select(p => p.ResourceId));
        Assert.Equal(5, all.Matching);
        Assert.Equal(1, all.NotAllowed);
        Assert.Equal(["payments-api", "payments-db"], production.Requestable.Select(p => p.ResourceId));
        Assert.Equal(2, production.Matching);
    }

    [Fact]
    public async Task TheRequestersGroups_CountInThePreview()
    {
        directory.Add("S0PAYONC", "U0NOEMP01");
        var rules = Rules + "\n  - {id: oncall-solo, effect: allow, when: {resource: {owner-team: solo}, principal: {role: oncall}}, auto_approve: true}";

        var scope = await Previews(rules).ScopeAsync("U0NOEMP01", null, null, CancellationToken.None);

        Assert.Equal(PreviewOutcome.Automatic, AccessPreviews.Of(scope, "solo-box", null).Outcome);
        Assert.Contains("S0PAYONC", scope.Groups);
    }

    [Fact]
    public async Task InAnIncidentChannel_APreviewDecidesAsAnIncidentRequest_ButOpensNoIncident()
    {
        await using var core = new CoreHarness();
        core.Policy.AutoApprove("payments-db", TimeSpan.FromHours(1));
        var previews = new AccessPreviews(core.Decider);

        var scope = await previews.ScopeAsync("U0PAY0001", "C0INC1", "inc-42", CancellationToken.None);
        AccessPreviews.Of(scope, "payments-db", null);

        Assert.True(scope.Context.Incident);
        Assert.Null(scope.Incident);
        Assert.Null(await core.Incidents.CurrentAsync("C0INC1", CancellationToken.None));
        Assert.True(core.Policy.Seen.Last().Context.Incident);
    }
}
