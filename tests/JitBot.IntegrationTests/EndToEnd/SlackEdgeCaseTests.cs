using System.Net;
using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>Slack's own test vector and rate limits, through the real host with everything real behind it.</summary>
public sealed class SlackEdgeCaseTests
{
    [Fact]
    public async Task SlackPublishedTestVector_Verifies_WithTheClockAtItsTimestamp_AndNothingElseDoes()
    {
        await using var w = await Workspace.StartAsync(signingSecret: "8f742231b10e8888abcd99yyyzzz85a5",
            clockStart: DateTimeOffset.FromUnixTimeSeconds(1531420618));
        const string body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

        HttpRequestMessage Vector(string signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
        {
            var request = SlackSigner.Unsigned("/slack/commands", body);
            request.Headers.Add("X-Slack-Request-Timestamp", "1531420618");
            request.Headers.Add("X-Slack-Signature", signature);
            return request;
        }

        Assert.Equal(HttpStatusCode.OK, (await w.Bot.SendAsync(Vector())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await w.Bot.SendAsync(Vector("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b504"))).StatusCode);

        w.Clock.Advance(TimeSpan.FromSeconds(301));
        Assert.Equal(HttpStatusCode.Unauthorized, (await w.Bot.SendAsync(Vector())).StatusCode);
    }

    [Fact]
    public async Task RateLimitedSlack_DelaysTheApprovalMessage_ButDoesNotLoseIt()
    {
        await using var w = await Workspace.StartAsync();
        w.Slack.RateLimit("chat.postMessage", times: 1, retryAfterSeconds: 1);

        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");

        var post = await w.ApprovalPostedAsync();
        Assert.Contains(w.Slack.Calls, c => c.Method == "chat.postMessage (429)");
        Assert.NotEmpty(post.Ts);
        w.Slack.AssertNoProblems();
    }
}
