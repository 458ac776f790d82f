using System.Text.Json.Nodes;
using JitBot.Requests;
using JitBot.SlackApp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NSubstitute;

namespace JitBot.IntegrationTests.Slack;

/// <summary>
/// A click counts only when it comes from this JitBot's workspace and app, and from the approval message JitBot
/// posted for the request; anything else changes nothing and gets no reply anywhere, except a click on a request
/// JitBot knows no message of, which is answered where it was made.
/// </summary>
public sealed class ClickOriginTests : IAsyncLifetime
{
    EdgeBot edge = null!;

    public Task InitializeAsync() => StartAsync();

    async Task StartAsync(IDictionary<string, string?>? settings = null, Action<Infrastructure.FakeSlack>? beforeStart = null)
    {
        edge = await EdgeBot.StartAsync(settings, beforeStart);
        edge.Domain.Requests.ApproveAsync(Arg.Any<RequestId>(), Arg.Any<string>(), Arg.Any<CancellationToken>())
            .Returns(new ApprovalOutcome(ApprovalVerdict.Recorded, StubDomain.Pending(), null, ""));
    }

    public async Task DisposeAsync() => await edge.DisposeAsync();

    async Task<string> ClickAndExpectAReplyAsync(JsonObject payload)
    {
        await edge.Bot.SendAsync(edge.Bot.Signer.Interaction(payload));
        var calls = await edge.Slack.WaitForAsync(c => c.Any(x => x.Method == "chat.postEphemeral"), "the reply to the clicker");
        return calls.Single(c => c.Method == "chat.postEphemeral").Channel!;
    }

    async Task<FakeLogRecord> ClickAndExpectItIgnoredAsync(JsonObject payload)
    {
        await edge.Bot.SendAsync(edge.Bot.Signer.Interaction(payload));
        var ignored = await edge.LoggedAsync(r => r.Message.StartsWith("Ignored a click", StringComparison.Ordinal), "the ignored click");
        Assert.Empty(edge.Domain.Requests.ReceivedCalls());
        Assert.DoesNotContain(edge.Slack.Calls, c => c.Method.StartsWith("chat.", StringComparison.Ordinal));
        return ignored;
    }

    [Fact]
    public async Task ClickOnTheApprovalMessage_FromThisWorkspaceAndApp_Counts_AndIsAnsweredInThatChannel()
    {
        await edge.ApprovalPostedAsync();

        Assert.Equal(EdgeBot.ApprovalChannel, await ClickAndExpectAReplyAsync(edge.Click("U0APPROVER")));
        await edge.Domain.Requests.Received(1).ApproveAsync(StubDomain.Pending().Id, "U0APPROVER", Arg.Any<CancellationToken>());
    }

    public static TheoryData<string, string> ElsewhereClicks => new()
    {
        { "another workspace", "it comes from another workspace" },
        { "another app", "it comes from another app" },
        { "another channel", "it does not come from the approval message JitBot posted for that request" },
        { "another message in the approval channel", "it does not come from the approval message JitBot posted for that request" },
        { "an ephemeral message", "it does not come from a message" },
    };

    [Theory]
    [MemberData(nameof(ElsewhereClicks))]
    public async Task ClickFromElsewhere_ChangesNothing_AndGetsNoReply(string from, string why)
    {
        await edge.ApprovalPostedAsync();
        var click = edge.Click("U0APPROVER");
        switch (from)
        {
            case "another workspace": click["team"]!["id"] = "T0OTHER"; break;
            case "another app": click["api_app_id"] = "A0OTHER"; break;
            case "another channel":
                click["container"]!["channel_id"] = "C0ELSEWHERE";
                click["channel"]!["id"] = "C0ELSEWHERE";
                break;
            case "another message in the approval channel": click["container"]!["message_ts"] = "1700000999.000001"; break;
            default: click["container"]!["is_ephemeral"] = true; break;
        }

        var ignored = await ClickAndExpectItIgnoredAsync(click);
        Assert.EndsWith(why, ignored.Message);
    }

    [Fact]
    public async Task ClickForARequestJitBotPostedNoApprovalMessageFor_ChangesNothing_AndIsAnsweredInThatChannel()
    {
        // Only JitBot's app can have posted a message whose buttons reach it, so the clicker is told, where they clicked.
        Assert.Equal(EdgeBot.ApprovalChannel, await ClickAndExpectAReplyAsync(edge.Click("U0APPROVER")));
        var answered = await edge.LoggedAsync(r => r.Message.StartsWith("Answered a click", StringComparison.Ordinal), "the answered click");
        Assert.EndsWith("JitBot posted no approval message for that request", answered.Message);
        Assert.Contains("no record of this request", edge.Slack.Calls.Single(c => c.Method == "chat.postEphemeral").Text);
        Assert.Empty(edge.Domain.Requests.ReceivedCalls());
        Assert.DoesNotContain(edge.Slack.Calls, c => c.Method is "chat.postMessage" or "chat.update");
    }

    [Fact]
    public async Task WorkspaceAndApp_AreLearnedAtStartUp_FromAuthTestAndBotsInfo()
    {
        Assert.Single(edge.Slack.CallsTo("auth.test"));
        Assert.Equal(Infrastructure.FakeSlack.BotId, Assert.Single(edge.Slack.CallsTo("bots.info")).Arg("bot"));
        Assert.DoesNotContain(edge.Logs.GetSnapshot(), r => r.Category == typeof(SlackWorkspace).FullName);

        await edge.ApprovalPostedAsync();
        await ClickAndExpectAReplyAsync(edge.Click("U0APPROVER"));
        Assert.Single(edge.Slack.CallsTo("auth.test"));
    }

    [Fact]
    public async Task WorkspaceAndApp_FromSettings_AreUsedWithoutAskingSlack()
    {
        await edge.DisposeAsync();
        await StartAsync(new Dictionary<string, string?> { ["Slack:TeamId"] = "T0TEAM", ["Slack:AppId"] = "A0APP" });
        await edge.ApprovalPostedAsync();

        await ClickAndExpectAReplyAsync(edge.Click("U0APPROVER"));
        Assert.Empty(edge.Slack.CallsTo("auth.test"));
        Assert.Empty(edge.Slack.CallsTo("bots.info"));
    }

    [Fact]
    public async Task TeamIdSetting_ThatDisagreesWithTheBotToken_RefusesEveryClick()
    {
        await edge.DisposeAsync();
        await StartAsync(new Dictionary<string, string?> { ["Slack:TeamId"] = "T0ELSEWHERE" });
        await edge.ApprovalPostedAsync();

        var ignored = await ClickAndExpectItIgnoredAsync(edge.Click("U0APPROVER"));
        Assert.EndsWith("JitBot does not know its own Slack workspace and app yet", ignored.Message);
        Assert.Contains(edge.Logs.GetSnapshot(), r => r.Message.Contains("the setting Slack:TeamId is T0ELSEWHERE, but the bot token belongs to workspace T0TEAM"));
    }

    [Fact]
    public async Task WhileSlackCannotSayWhoJitBotIs_ClicksAreRefused_AndItAsksAgainAtMostEvery30Seconds()
    {
        await edge.DisposeAsync();
        await StartAsync(beforeStart: slack => slack.Fail("auth.test", "service_unavailable"));
        await edge.ApprovalPostedAsync();

        await ClickAndExpectItIgnoredAsync(edge.Click("U0APPROVER"));
        Assert.Contains(edge.Logs.GetSnapshot(), r => r.Level == LogLevel.Error &&
            r.Message.StartsWith("JitBot does not know which Slack workspace and app it belongs to: auth.test answered service_unavailable", StringComparison.Ordinal));
        edge.Slack.Fail("auth.test", null);
        edge.Logs.Clear();
        await ClickAndExpectItIgnoredAsync(edge.Click("U0APPROVER")); // Slack is back, but it is too soon to ask again
        Assert.Single(edge.Slack.CallsTo("auth.test"));

        edge.Clock.Advance(SlackWorkspace.RetryAfter);
        await ClickAndExpectAReplyAsync(edge.Click("U0APPROVER"));
        await edge.Domain.Requests.Received(1).ApproveAsync(StubDomain.Pending().Id, "U0APPROVER", Arg.Any<CancellationToken>());
        Assert.Equal(2, edge.Slack.CallsTo("auth.test").Count);
        Assert.Contains(edge.Logs.GetSnapshot(), r => r.Level == LogLevel.Information &&
            r.Message == $"Approval clicks count when they come from Slack workspace {Infrastructure.FakeSlack.TeamId} and app {Infrastructure.FakeSlack.AppId}");
    }

    [Fact]
    public async Task ClickWithThousandsOfActions_CallsTheLifecycleOnce_AndRepliesOnce()
    {
        await edge.ApprovalPostedAsync();
        var click = edge.Click("U0APPROVER");
        var actions = click["actions"]!.AsArray();
        for (var i = 1; i < 3000; i++) // as many as fit in 256 kB
            actions.Add(new JsonObject { ["action_id"] = ApprovalMessage.ApproveActionId, ["value"] = StubDomain.Pending().Id.Value });

        await ClickAndExpectAReplyAsync(click);

        await edge.Domain.Requests.Received(1).ApproveAsync(Arg.Any<RequestId>(), Arg.Any<string>(), Arg.Any<CancellationToken>());
        Assert.Single(edge.Slack.CallsTo("chat.postEphemeral"));
    }
}
