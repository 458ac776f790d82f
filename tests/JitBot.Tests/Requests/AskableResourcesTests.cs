using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Fakes;
using JitBot.Tests.Policies;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace JitBot.Tests.Requests;

public class AskableResourcesTests
{
    const string Rules = """
        rules:
          - {id: staff-dev, effect: allow, when: {resource: {env: dev}, principal: {employment: staff}}, auto_approve: true}
          - {id: owners-prod, effect: allow, when: {resource: {env: production}, match: {principal.team: resource.owner-team}},
             require: {reason: true}}
          - {id: no-restricted, effect: deny, when: {resource: {data-class: restricted}, principal: {employment: contractor}}}
          - {id: oncall-solo, effect: allow, when: {resource: {owner-team: solo}, principal: {role: oncall}}}
        """;

    readonly FakeGroupDirectory directory = new();
    readonly IPolicySource policies = Substitute.For<IPolicySource>();

    AskableResources Askable(string rules = Rules)
    {
        policies.Current.Returns(Policy.Load(rules));
        return new AskableResources(policies, directory, new FakeTimeProvider(Policy.Wednesday11),
            NullLogger<AskableResources>.Instance);
    }

    [Fact]
    public async Task Resources_TheCallerCouldAskFor_AreChosen_NotDeniedOnes()
    {
        var ids = await Askable().ForAsync("U0CTR0001", null, "payments", 10, CancellationToken.None);

        Assert.Equal(["payments-api"], ids);
    }

    [Fact]
    public async Task Resources_ThatOnlyNeedAReason_Count()
    {
        var ids = await Askable().ForAsync("U0PAY0001", null, "payments", 10, CancellationToken.None);

        Assert.Equal(["payments-api", "payments-db", "payments-dev"], ids);
    }

    [Fact]
    public async Task TheCallersGroups_AreUsed()
    {
        directory.Add("S0PAYONC", "U0NOEMP01");

        var ids = await Askable().ForAsync("U0NOEMP01", null, "payments", 10, CancellationToken.None);

        Assert.Contains("solo-box", ids);
    }

    [Fact]
    public async Task AtMostTheNumberAsked_AreReturned() =>
        Assert.Equal(2, (await Askable().ForAsync("U0PAY0001", null, "payments", 2, CancellationToken.None)).Count);

    [Fact]
    public async Task NothingOpenToTheCaller_GivesNone() =>
        Assert.Empty(await Askable().ForAsync("U0STRANGER", null, "payments", 10, CancellationToken.None));
}
