using System.Net;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Requests;
using JitBot.SlackApp;
using Microsoft.Extensions.Logging;
using NSubstitute;

namespace JitBot.IntegrationTests.Slack;

/// <summary>What hostile requests can make JitBot write to its log: not much, and nothing raw.</summary>
public sealed class LogFloodTests : IAsyncLifetime
{
    EdgeBot edge = null!;

    public async Task InitializeAsync() => edge = await EdgeBot.StartAsync();

    public async Task DisposeAsync() => await edge.DisposeAsync();

    [Fact]
    public async Task ThousandUnsignedRequests_LeaveAtMostOneLinePerEndpointPerMinute_WithTheCount()
    {
        string[] paths = ["/slack/commands", "/slack/interactions", "/slack/events"];
        edge.Logs.Clear();

        for (var i = 0; i < 1000; i++)
        {
            var response = await edge.Bot.SendAsync(SlackSigner.Unsigned(paths[i % 3], "payload=%7B%7D"));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        var warnings = edge.Logs.GetSnapshot().Where(r => r.Level >= LogLevel.Warning).ToList();
        Assert.All(paths, path => Assert.Single(warnings, r => r.GetStructuredStateValue("Endpoint") == path));
        Assert.Equal(3, warnings.Count);

        edge.Clock.Advance(SlackRefusalLog.Interval);

        var refusals = edge.Logs.GetSnapshot().Where(r => r.Category == typeof(SlackRefusalLog).FullName).ToList();
        Assert.Equal(6, refusals.Count);
        Assert.Equal(1000, refusals.Sum(r => int.Parse(r.GetStructuredStateValue("Count")!)));
        Assert.Equal(334, refusals.Where(r => r.GetStructuredStateValue("Endpoint") == "/slack/commands")
            .Sum(r => int.Parse(r.GetStructuredStateValue("Count")!)));
    }

    [Fact]
    public async Task ControlCharactersFromARequest_NeverReachTheLogRaw()
    {
        const string user = "U0EVIL\u001B[2J\r\nwarn: forged line\0\u202E";
        const string value = "req_\u001B]0;owned\u0007\r\n\0";
        edge.Domain.Requests.SubmitAsync(Arg.Any<NewAccessRequest>(), Arg.Any<CancellationToken>())
            .Returns(new SubmitOutcome(StubDomain.Pending(), null));
        edge.Domain.Requests.ApproveAsync(Arg.Any<RequestId>(), Arg.Any<string>(), Arg.Any<CancellationToken>())
            .Returns<ApprovalOutcome>(_ => throw new InvalidOperationException("the lifecycle failed"));
        await edge.ApprovalPostedAsync();
        edge.Slack.Fail("chat.postEphemeral", "internal_error"); // the answer to the click is retried, and that is logged

        await edge.Bot.SendAsync(edge.Bot.Signer.Command(user, "payments-db for 1h because INC-1"));
        await edge.Bot.SendAsync(edge.Bot.Signer.Interaction(edge.Click(user)));
        var hostileValue = edge.Click("U0APPROVER");
        hostileValue["actions"]![0]!["value"] = value;
        await edge.Bot.SendAsync(edge.Bot.Signer.Interaction(hostileValue));

        await edge.LoggedAsync(r => r.Category == typeof(AccessCommandHandler).FullName, "the /access outcome");
        await edge.LoggedAsync(r => r.Category == typeof(ApprovalClickHandler).FullName && r.Exception is not null, "the failed click");
        await edge.LoggedAsync(r => r.Message.Contains("\\u001B]0;owned"), "the click with a hostile value");
        await edge.LoggedAsync(r => r.Message.StartsWith("chat.postEphemeral to U0EVIL", StringComparison.Ordinal), "the failed answer");
        edge.Slack.Fail("chat.postEphemeral", null);
        edge.Clock.Advance(TimeSpan.FromSeconds(1));
        await edge.Slack.WaitForAsync(c => c.Any(x => x.Method == "chat.postEphemeral" && x.Response?["ok"]?.GetValue<bool>() == true), "the answer");
        Assert.All(edge.Logs.GetSnapshot(), r => Assert.DoesNotMatch("[\u0000-\u001F\u007F-\u009F\u202E]", r.Message));
    }
}
