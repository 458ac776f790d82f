using System.Net;
using System.Text.Json;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.SlackApp;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>
/// Notices through the real host and the fake Slack: a 429 in one channel holds that channel only, each channel's
/// messages keep their order, and the answer to a slow <c>/access</c> arrives once however Slack fails first.
/// </summary>
public sealed class NoticeDeliveryTests : WorkspaceTests
{
    [Fact]
    public async Task A429InOneChannel_HoldsThatChannelOnly_WhichThenPostsInTheOrderThingsHappened()
    {
        w.Slack.RateLimitChannel(People.PaymentsChannel, times: 1, retryAfterSeconds: 30);

        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "chat.postMessage (429)"), "the rate-limited approval message");
        await w.AskAsync(People.Ben, "payments-db for 1h because INC-1 payouts");
        await w.AskAsync(People.Ben, "ledger-db for 1h because INC-2 ledger");

        // Another channel (Ana's direct messages) goes on while the payments channel waits, with the clock standing still.
        await w.AskAsync(People.Ana, "payments-db-staging for 2h because checking a migration");
        await w.DirectMessageAsync(People.Ana, "You have access to `payments-db-staging`");
        Assert.Empty(Approvals());

        await ClockSteps.AdvanceUntilAsync(w.Clock.Advance, () => Approvals().Count == 3,
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), "the three approval messages after Retry-After");
        Assert.True(w.Slack.Calls.First(c => c.Method == "chat.postMessage" && c.Channel == People.PaymentsChannel).Sequence >
                    w.Slack.Calls.First(c => c.Method == "chat.postMessage (429)").Sequence);
        Assert.Equal(["payments-api-prod", "payments-db", "ledger-db"], Approvals().Select(Resource));
    }

    [Fact]
    public async Task TheAnswerToASlowAccess_ComesThroughTheOutbox_OnceSlackRecovers()
    {
        // The requester's groups take a while to read (Slack says wait 10 s), so the command is acknowledged first.
        w.Slack.RateLimit("usergroups.users.list", times: 1, retryAfterSeconds: 10);
        w.Slack.FailResponseUrls(1);
        w.Slack.Fail("chat.postMessage", "service_unavailable");

        var responding = w.Bot.SendAsync(w.Bot.Signer.Command(People.Ana, "payments-db-staging for 2h because checking a migration", "C0PAYMENTS", "payments"));
        await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "usergroups.users.list (429)"), "the slow group lookup");
        w.Clock.Advance(AccessCommandHandler.AckBudget);
        var ack = await responding;
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Contains("still working", await ack.Content.ReadAsStringAsync());

        // The submission goes on and grants; Slack is down, so the requester's "you have access" message fails, and
        // the late answer, queued behind it in the requester's lane, waits for it.
        await Steps(() => w.Logs.GetSnapshot().Any(l => l.Message.Contains("(GrantStarted") && l.Message.Contains("failed on attempt 1")),
            "the first failed direct message");
        w.Slack.Fail("chat.postMessage", null);

        // Slack is back: the lane goes on; the response_url fails once more, so the answer comes as a direct message.
        await Steps(() => AnswersTo(People.Ana).Count > 0, "the late answer once Slack recovered");
        Assert.Single(w.Slack.CallsTo("response_url (503)"));
        Assert.All(w.Slack.Calls.Where(c => c.Method.StartsWith("response_url", StringComparison.Ordinal)), c => Assert.Null(c.Token));

        // Sent once: more time passes and nothing more is sent.
        w.Clock.Advance(TimeSpan.FromMinutes(10));
        await Task.Delay(200);
        Assert.Single(AnswersTo(People.Ana));
        var secret = w.Slack.CallsTo("response_url (503)")[0].Form["path"].Split('/')[^1];
        Assert.DoesNotContain(w.Logs.GetSnapshot(), l => l.Message.Contains(secret) || (l.Exception?.ToString() ?? "").Contains(secret));
    }

    [Fact]
    public async Task TheAnswerToASlowAccess_GoesToItsResponseUrl_WhenSlackAnswers()
    {
        w.Slack.RateLimit("usergroups.users.list", times: 1, retryAfterSeconds: 10);

        var responding = w.Bot.SendAsync(w.Bot.Signer.Command(People.Ana, "payments-db-staging for 2h because checking a migration", "C0PAYMENTS", "payments"));
        await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "usergroups.users.list (429)"), "the slow group lookup");
        w.Clock.Advance(AccessCommandHandler.AckBudget);
        Assert.Contains("still working", await (await responding).Content.ReadAsStringAsync());

        await Steps(() => AnswersTo(People.Ana).Count > 0, "the late answer");
        var answer = Assert.Single(AnswersTo(People.Ana));
        Assert.Equal("response_url", answer.Method);
        Assert.Equal("ephemeral", answer.Arg("response_type"));
        Assert.Null(answer.Token);
    }

    [Fact]
    public async Task AskAsync_ReturnsTheLateAnswer_WhenTheBudgetRunsOut()
    {
        w.Slack.RateLimit("usergroups.users.list", times: 1, retryAfterSeconds: 10);

        var asking = w.AskAsync(People.Ana, "payments-db-staging for 2h because checking a migration");
        await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "usergroups.users.list (429)"), "the slow group lookup");
        w.Clock.Advance(AccessCommandHandler.AckBudget);
        await Steps(() => asking.IsCompleted, "the late answer, after Retry-After"); // "still working" came; the lookup is retried

        Assert.Contains("approved for 2 hours", await asking);
        Assert.Single(w.Slack.CallsTo("response_url"));
    }

    /// <summary>The answers to Ana's slow /access that reached her: at the response_url or as a direct message.</summary>
    List<SlackCall> AnswersTo(string user) =>
        w.Slack.Calls.Where(c => (c.Method == "response_url" || (c.Method == "chat.postMessage" && c.Channel == user && c.Response?["ok"]?.GetValue<bool>() == true))
                                 && (c.Text ?? "").Contains("approved for 2 hours")).ToList();

    async Task Steps(Func<bool> done, string what)
    {
        try
        {
            await ClockSteps.AdvanceUntilAsync(w.Clock.Advance, done, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), what);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new Xunit.Sdk.XunitException(e.Message + Trace());
        }
    }

    /// <summary>What the bot did, for a failure message.</summary>
    string Trace() => "\nCalls:\n" + string.Join("\n", w.Slack.Calls.Select(c => c.Method + " " + c.RawBody[..Math.Min(160, c.RawBody.Length)])) +
                      "\nLog:\n" + string.Join("\n", w.Logs.GetSnapshot().Select(l => l.Level + " " + l.Message + " " + l.Exception?.Message));

    List<SlackCall> Approvals() =>
        w.Slack.Calls.Where(c => c.Method == "chat.postMessage" && c.Channel == People.PaymentsChannel && c.ThreadTs is null && c.HasButtons).ToList();

    static string Resource(SlackCall post) =>
        JsonDocument.Parse(post.RawBody).RootElement.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!
            .Replace("Access request: ", "", StringComparison.Ordinal);
}
