using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.Payloads;
using JitBot.SlackApp;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace JitBot.Tests.Slack;

public class AccessCommandHandlerTests
{
    readonly IAccessRequests requests = Substitute.For<IAccessRequests>();
    readonly IPolicySource policies = Substitute.For<IPolicySource>();
    readonly IPolicySnapshot snapshot = Substitute.For<IPolicySnapshot>();
    readonly Fakes.FakeGroupDirectory directory = new();
    readonly AccessCommandHandler handler;

    public AccessCommandHandlerTests()
    {
        policies.Current.Returns(snapshot);
        snapshot.FindResource("payments-db").Returns(Samples.PaymentsDb);
        snapshot.SuggestResources("payment-db", Arg.Any<int>()).Returns(["payments-db"]);
        snapshot.ResourceIds.Returns(["payments-db"]);
        snapshot.SlackUserGroupIds.Returns([]);
        snapshot.Decide(Arg.Any<DecisionRequest>()).Returns(Samples.Decision(DecisionOutcome.Denied));
        var time = new FakeTimeProvider(Samples.Now);
        handler = new AccessCommandHandler(requests, policies,
            new AskableResources(policies, directory, time, NullLogger<AskableResources>.Instance), time,
            new LateAnswers(Substitute.For<JitBot.Storage.IAccessStore>(), Substitute.For<IMessageRefStore>(), Substitute.For<JitBot.Slack.Api.ISlackApiClient>(),
                Microsoft.Extensions.Options.Options.Create(new SlackOptions()), time, NullLogger<LateAnswers>.Instance),
            Substitute.For<IIncidentCommands>(), NullLogger<AccessCommandHandler>.Instance);
    }

    static SlashCommand Command(string text) => new("/access", text, "U0REQUESTER", "worf", "C0ASKEDFROM", "payments", "T1", null, null, null, null, null);

    [Fact]
    public async Task Request_IsSubmitted_WithWhoWhatHowLongWhyAndWhere()
    {
        requests.SubmitAsync(Arg.Any<NewAccessRequest>(), Arg.Any<CancellationToken>()).Returns(new SubmitOutcome(
            Samples.Request(RequestState.Pending, Samples.Decision(DecisionOutcome.ApprovalRequired, Samples.Plan())), null));

        var ack = await handler.HandleAsync(Command("payments-db for 2h because INC-1 <@U9|kirk>"), CancellationToken.None);

        await requests.Received(1).SubmitAsync(
            new NewAccessRequest("U0REQUESTER", "payments-db", TimeSpan.FromHours(2), "INC-1 @kirk", "C0ASKEDFROM", "payments"),
            Arg.Any<CancellationToken>());
        Assert.Equal(200, ack.StatusCode);
        Assert.Contains("\"response_type\":\"ephemeral\"", ack.Body);
        Assert.Contains("waiting for", ack.Body);
    }

    [Fact]
    public async Task UnknownResource_GetsSuggestions_AndNothingIsSubmitted()
    {
        var ack = await handler.HandleAsync(Command("payment-db for 2h"), CancellationToken.None);
        Assert.Contains("Did you mean `payments-db`?", ack.Body);
        await requests.DidNotReceiveWithAnyArgs().SubmitAsync(default!, default);
    }

    [Fact]
    public async Task ResourceInOtherCase_IsFound()
    {
        requests.SubmitAsync(Arg.Any<NewAccessRequest>(), Arg.Any<CancellationToken>()).Returns(new SubmitOutcome(
            Samples.Request(RequestState.Granted, Samples.Decision(DecisionOutcome.AutoApproved)), Samples.Grant()));
        await handler.HandleAsync(Command("Payments-DB"), CancellationToken.None);
        await requests.Received(1).SubmitAsync(Arg.Is<NewAccessRequest>(r => r.ResourceId == "payments-db"), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task LifecycleFailure_GivesASentence_NotAnError()
    {
        requests.SubmitAsync(Arg.Any<NewAccessRequest>(), Arg.Any<CancellationToken>()).ThrowsAsync(new InvalidOperationException("database is locked"));
        var ack = await handler.HandleAsync(Command("payments-db"), CancellationToken.None);
        Assert.Equal(200, ack.StatusCode);
        Assert.Contains("nothing was granted", ack.Body);
        Assert.DoesNotContain("database is locked", ack.Body);
    }

    [Fact]
    public async Task Mistake_IsExplained_WithoutSubmitting()
    {
        var ack = await handler.HandleAsync(Command("payments-db for because x"), CancellationToken.None);
        Assert.Contains("Say how long", ack.Body);
        await requests.DidNotReceiveWithAnyArgs().SubmitAsync(default!, default);
    }

    [Theory]
    [InlineData("payments-db for \u0661h")]
    [InlineData("payments-db for \uFF11h")]
    public async Task NonAsciiDigits_GetASentenceSayingWhatToType_NotAnError(string text)
    {
        var ack = await handler.HandleAsync(Command(text), CancellationToken.None);
        Assert.Equal(200, ack.StatusCode);
        Assert.Contains("digits 0-9", ack.Body);
        await requests.DidNotReceiveWithAnyArgs().SubmitAsync(default!, default);
    }

    [Fact]
    public async Task Help_ExplainsTheGrammar_EscapedForMrkdwn()
    {
        var ack = await handler.HandleAsync(Command("help"), CancellationToken.None);
        Assert.Contains("/access &lt;resource&gt; [for &lt;duration&gt;] [because &lt;reason&gt;]", ack.Body);
        Assert.DoesNotContain("<resource>", ack.Body);
    }

    [Fact]
    public async Task Help_ExamplesComeFromTheLoadedPolicy_ResourcesTheCallerCouldAskFor()
    {
        snapshot.ResourceIds.Returns(["audit-log", "ledger-db", "wiki-admin"]);
        snapshot.Decide(Arg.Any<DecisionRequest>()).Returns(call =>
        {
            var id = call.Arg<DecisionRequest>().ResourceId;
            return Samples.Decision(id == "audit-log" ? DecisionOutcome.Denied : DecisionOutcome.ApprovalRequired, Samples.Plan()) with { ResourceId = id };
        });

        var ack = await handler.HandleAsync(Command("help"), CancellationToken.None);

        Assert.Contains("`/access ledger-db for 1h because", ack.Body);
        Assert.Contains("`/access wiki-admin`", ack.Body);
        Assert.DoesNotContain("audit-log", ack.Body);
        Assert.DoesNotContain("staging-k8s", ack.Body);
        Assert.DoesNotContain("grafana-admin", ack.Body);
    }
}
