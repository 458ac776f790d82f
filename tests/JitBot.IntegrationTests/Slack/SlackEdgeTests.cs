using System.Net;
using System.Text.Json;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.SlackApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace JitBot.IntegrationTests.Slack;

/// <summary>The Slack edge through the real host and a fake Slack, with the lifecycle and the policy stubbed.</summary>
public sealed class SlackEdgeTests : IAsyncLifetime
{
    EdgeBot edge = null!;
    StubDomain domain => edge.Domain;
    FakeTimeProvider clock => edge.Clock;
    FakeSlack slack => edge.Slack;
    BotHost bot => edge.Bot;

    public async Task InitializeAsync() => edge = await EdgeBot.StartAsync();

    public async Task DisposeAsync() => await edge.DisposeAsync();

    [Fact]
    public async Task Healthz_Is200()
    {
        var response = await bot.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SignedAccessCommand_IsAnsweredInTheAck_WithAnEphemeralReply()
    {
        domain.Requests.SubmitAsync(Arg.Any<NewAccessRequest>(), Arg.Any<CancellationToken>())
            .Returns(new SubmitOutcome(StubDomain.Pending(), null));

        var response = await bot.SendAsync(bot.Signer.Command("U0REQUESTER", "payments-db for 2h because INC-1 payouts stuck"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ephemeral", json.RootElement.GetProperty("response_type").GetString());
        Assert.Contains("sent to <#C0APPROVALS>, waiting for <!subteam^S0ONCALL>", json.RootElement.GetProperty("text").GetString());
        await domain.Requests.Received(1).SubmitAsync(
            new NewAccessRequest("U0REQUESTER", "payments-db", TimeSpan.FromHours(2), "INC-1 payouts stuck", "C0ASKING", "payments"),
            Arg.Any<CancellationToken>());
    }

    public static TheoryData<string> BadSignatures => ["unsigned", "forged", "stale", "future", "wrong-secret", "v1", "bad-timestamp"];

    [Theory]
    [MemberData(nameof(BadSignatures))]
    public async Task BadlySignedRequests_Get401_AndChangeNothing(string how)
    {
        var body = SlackSigner.CommandBody("U0REQUESTER", "payments-db for 2h because x");
        var request = how switch
        {
            "unsigned" => SlackSigner.Unsigned("/slack/commands", body),
            "forged" => Replace(bot.Signer.Signed("/slack/commands", body), "X-Slack-Signature", "v0=" + new string('a', 64)),
            "stale" => bot.Signer.Signed("/slack/commands", body, at: clock.GetUtcNow().AddSeconds(-301)),
            "future" => bot.Signer.Signed("/slack/commands", body, at: clock.GetUtcNow().AddSeconds(301)),
            "wrong-secret" => bot.Signer.Signed("/slack/commands", body, secretOverride: "not-the-secret"),
            "v1" => Replace(bot.Signer.Signed("/slack/commands", body), "X-Slack-Signature",
                "v1=" + new string('a', 64)),
            _ => Replace(bot.Signer.Signed("/slack/commands", body), "X-Slack-Request-Timestamp", "yesterday"),
        };

        var callsAtStart = slack.Calls.Count; // auth.test and bots.info at start-up
        var response = await bot.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(domain.Requests.ReceivedCalls());
        Assert.Equal(callsAtStart, slack.Calls.Count);
    }

    [Theory]
    [InlineData("/slack/interactions")]
    [InlineData("/slack/events")]
    [InlineData("/slack/options")]
    public async Task UnsignedInteractionsAndEvents_Get401(string path)
    {
        var response = await bot.SendAsync(SlackSigner.Unsigned(path, "payload=%7B%7D"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(domain.Requests.ReceivedCalls());
    }

    [Fact]
    public async Task SignedBlockSuggestion_OnTheOptionsUrl_IsAnsweredWithOptions()
    {
        var response = await bot.SendAsync(bot.Signer.Options(new System.Text.Json.Nodes.JsonObject
        {
            ["type"] = "block_suggestion",
            ["user"] = new System.Text.Json.Nodes.JsonObject { ["id"] = "U0REQUESTER" },
            ["action_id"] = "no_such_menu",
            ["block_id"] = "resource",
            ["value"] = "pay",
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("""{"options":[]}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SlackPublishedTestVector_VerifiesThroughTheEndpoint_AtItsTimestamp()
    {
        await edge.RestartAsync(new Dictionary<string, string?> { ["Slack:SigningSecret"] = "8f742231b10e8888abcd99yyyzzz85a5" },
            clockAt: DateTimeOffset.FromUnixTimeSeconds(1531420618));
        const string body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

        HttpRequestMessage Vector()
        {
            var request = SlackSigner.Unsigned("/slack/commands", body);
            request.Headers.Add("X-Slack-Request-Timestamp", "1531420618");
            request.Headers.Add("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
            return request;
        }

        var response = await bot.SendAsync(Vector());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("does not know the command /webhook-collect", await response.Content.ReadAsStringAsync());

        clock.Advance(TimeSpan.FromSeconds(301));
        Assert.Equal(HttpStatusCode.Unauthorized, (await bot.SendAsync(Vector())).StatusCode);
    }

    [Fact]
    public async Task SslCheck_Is200_AndUrlVerification_EchoesTheChallenge()
    {
        var ssl = await bot.SendAsync(bot.Signer.Signed("/slack/commands", "ssl_check=1&token=x"));
        Assert.Equal(HttpStatusCode.OK, ssl.StatusCode);
        Assert.Equal("", await ssl.Content.ReadAsStringAsync());

        var verification = await bot.SendAsync(bot.Signer.Signed("/slack/events",
            """{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}""", "application/json"));
        Assert.Equal(HttpStatusCode.OK, verification.StatusCode);
        Assert.Equal("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            JsonDocument.Parse(await verification.Content.ReadAsStringAsync()).RootElement.GetProperty("challenge").GetString());
    }

    [Fact]
    public async Task GarbageAfterAValidSignature_Is400_Not500()
    {
        var response = await bot.SendAsync(bot.Signer.Signed("/slack/interactions", "payload=%7Bnot-json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task LifecycleThrowing_StillAnswersWithASentence()
    {
        domain.Requests.SubmitAsync(Arg.Any<NewAccessRequest>(), Arg.Any<CancellationToken>())
            .Returns<SubmitOutcome>(_ => throw new InvalidOperationException("boom"));
        var response = await bot.SendAsync(bot.Signer.Command("U0REQUESTER", "payments-db"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("nothing was granted", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SlowSubmission_IsAcknowledgedWhenTheBudgetRunsOutOnTheBotsClock_AndAnsweredLater()
    {
        var slow = new TaskCompletionSource<SubmitOutcome>();
        var submitted = new TaskCompletionSource();
        domain.Requests.SubmitAsync(Arg.Any<NewAccessRequest>(), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            submitted.TrySetResult();
            return slow.Task;
        });

        var responding = bot.SendAsync(bot.Signer.Command("U0REQUESTER", "payments-db for 2h because INC-1"));
        await submitted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        clock.Advance(AccessCommandHandler.AckBudget - TimeSpan.FromTicks(1));
        Assert.False(responding.IsCompleted);
        clock.Advance(TimeSpan.FromTicks(1));

        // Well before the budget would have passed on the wall clock.
        var response = await responding.WaitAsync(AccessCommandHandler.AckBudget / 2);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("still working on your request", await response.Content.ReadAsStringAsync());

        slow.SetResult(new SubmitOutcome(StubDomain.Pending(), null));
        var calls = await slack.WaitForAsync(c => c.Any(x => x.Method == "response_url"), "the late answer, at the command's response_url");
        var answer = calls.First(x => x.Method == "response_url");
        Assert.Contains("waiting for", answer.Text);
        Assert.Null(answer.Token); // the bot token never goes to a response_url
    }

    [Fact]
    public async Task ApproveClick_IsAckedEmpty_ThenTheClickerIsToldTheOutcome()
    {
        domain.Requests.ApproveAsync(new RequestId("req_stub00000001"), "U0APPROVER", Arg.Any<CancellationToken>())
            .Returns(new ApprovalOutcome(ApprovalVerdict.RefusedNotApprover, StubDomain.Pending(), null,
                "You are not in @payments-oncall <!here>, so you cannot approve this."));
        await edge.ApprovalPostedAsync();

        var response = await bot.SendAsync(bot.Signer.Interaction(edge.Click("U0APPROVER")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());

        var calls = await slack.WaitForAsync(c => c.Any(x => x.Method == "chat.postEphemeral"), "the ephemeral answer to the clicker");
        var ephemeral = calls.Single(c => c.Method == "chat.postEphemeral");
        Assert.Equal("U0APPROVER", ephemeral.Arg("user"));
        Assert.Equal("C0APPROVALS", ephemeral.Channel);
        Assert.Contains("You are not in @payments-oncall &lt;!here&gt;", ephemeral.Text);
        slack.AssertNoProblems();
    }

    [Fact]
    public async Task RedeliveredClick_CallsTheLifecycleOnce()
    {
        domain.Requests.DenyAsync(Arg.Any<RequestId>(), Arg.Any<string>(), Arg.Any<CancellationToken>())
            .Returns(new ApprovalOutcome(ApprovalVerdict.Rejected, StubDomain.Pending(), null, "Denied."));
        await edge.ApprovalPostedAsync();
        for (var i = 0; i < 2; i++)
            await bot.SendAsync(bot.Signer.Interaction(edge.Click("U0APPROVER", ApprovalMessage.DenyActionId, actionTs: "1700000001.000001")));
        await slack.WaitForAsync(c => c.Any(x => x.Method == "chat.postEphemeral"), "the ephemeral answer");
        await domain.Requests.Received(1).DenyAsync(new RequestId("req_stub00000001"), "U0APPROVER", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Notifier_PostsAnApprovalMessage_ThatSlackAccepts_EvenWithHostileText()
    {
        var notifier = bot.Services.GetRequiredService<IAccessNotifier>();
        var request = StubDomain.Pending("<!channel> <@U0EVIL> & " + new string('x', 4000));

        await notifier.ApprovalNeededAsync(request, CancellationToken.None);

        var post = Assert.Single(slack.CallsTo("chat.postMessage"));
        Assert.Equal("C0APPROVALS", post.Channel);
        Assert.DoesNotContain("<!channel>", post.RawBody);
        Assert.DoesNotContain("<@U0EVIL>", post.RawBody);
        slack.AssertNoProblems();
        Assert.NotNull(await domain.Refs.FindAsync(request.Id, ApprovalMessage.Kind, CancellationToken.None));
    }

    static HttpRequestMessage Replace(HttpRequestMessage request, string header, string value)
    {
        request.Headers.Remove(header);
        request.Headers.Add(header, value);
        return request;
    }
}
