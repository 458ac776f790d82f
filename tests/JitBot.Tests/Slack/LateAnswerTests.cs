using System.Net;
using System.Text;
using System.Text.Json;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.Dispatch;
using JitBot.SlackApp;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Slack;

/// <summary>
/// The answer to a slow <c>/access</c>, through the outbox: the command's response_url while it is valid (without the
/// bot token), a direct message otherwise, tried again while Slack fails, sent once, the URL never logged.
/// </summary>
public sealed class LateAnswerTests : IAsyncLifetime
{
    const string ResponseUrl = "https://hooks.slack.com/commands/T0TEAM/1234/s3cr3tpart";

    readonly CoreHarness h = new();
    readonly List<(string Url, string? Auth, string Body)> calls = [];
    readonly RecordingLogger<LateAnswers> answerLog = new();
    readonly RecordingLogger<NotificationDispatcher> outboxLog = new();
    Func<string, HttpResponseMessage> answer = _ => Ok();
    LateAnswers answers = null!;
    NotificationDispatcher dispatcher = null!;

    sealed class Handler(LateAnswerTests test) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            var url = request.RequestUri!.ToString();
            lock (test.calls) test.calls.Add((url, request.Headers.Authorization?.ToString(), body));
            return test.answer(url);
        }
    }

    static HttpResponseMessage Ok() =>
        new(HttpStatusCode.OK) { Content = new StringContent("""{"ok":true,"channel":"D0DM","ts":"1.0"}""", Encoding.UTF8, "application/json") };

    public Task InitializeAsync()
    {
        var slack = new SlackApiClient(new HttpClient(new Handler(this)), new SlackApiSettings("xoxb-test-token", new Uri("http://127.0.0.1:9/api/")), h.Time);
        answers = new LateAnswers(h.Store, h.Store, slack, Microsoft.Extensions.Options.Options.Create(new SlackOptions { ApiBaseUrl = "http://127.0.0.1:9/api/" }),
            h.Time, answerLog);
        var services = new ServiceCollection().AddSingleton<ILateAnswers>(answers).AddSingleton<IAccessNotifier>(h.Notifier).BuildServiceProvider();
        dispatcher = new NotificationDispatcher(h.Store, h.Signal, services.GetRequiredService<IServiceScopeFactory>(), h.Time, outboxLog);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    async Task QueueAsync(string? responseUrl = ResponseUrl)
    {
        answers.Queue(Task.FromResult(new CommandReply(":white_check_mark: Access to `db` granted.")), "U0ASKER", responseUrl);
        await answers.StopAsync(CancellationToken.None); // returns once the answer is queued
    }

    [Fact]
    public async Task TheAnswer_GoesToTheResponseUrl_Ephemeral_WithoutTheBotToken_Once()
    {
        await QueueAsync();
        await dispatcher.WaitForIdleAsync(CancellationToken.None);
        await dispatcher.WaitForIdleAsync(CancellationToken.None);

        var (url, auth, body) = Assert.Single(calls);
        Assert.Equal(ResponseUrl, url);
        Assert.Null(auth);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("ephemeral", json.RootElement.GetProperty("response_type").GetString());
        Assert.Contains("granted", json.RootElement.GetProperty("text").GetString());
        Assert.Equal(0, await h.Store.UndeliveredCountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task WhileSlackFails_TheAnswerIsTriedAgain_AndArrivesOnce_WithoutTheUrlInAnyLogOrError()
    {
        var failures = 4;
        answer = _ => Interlocked.Decrement(ref failures) >= 0 ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) : Ok();
        await QueueAsync();

        await dispatcher.WaitForIdleAsync(CancellationToken.None); // response_url 503, then the DM 503
        Assert.Equal(1, await h.Store.UndeliveredCountAsync(CancellationToken.None));
        h.Time.Advance(NotificationDispatcher.RetryDelay(1));
        await dispatcher.WaitForIdleAsync(CancellationToken.None); // both 503 again
        h.Time.Advance(NotificationDispatcher.RetryDelay(2));
        await dispatcher.WaitForIdleAsync(CancellationToken.None); // response_url answers
        h.Time.Advance(NotificationDispatcher.RetryDelay(3));
        await dispatcher.WaitForIdleAsync(CancellationToken.None);

        Assert.Equal(5, calls.Count);
        Assert.Equal(ResponseUrl, calls[^1].Url);
        Assert.Equal(0, await h.Store.UndeliveredCountAsync(CancellationToken.None));
        Assert.DoesNotContain("s3cr3tpart", answerLog.All + outboxLog.All);
        Assert.Contains("http_503", outboxLog.All);
    }

    [Fact]
    public async Task AnAnswerForTheResponseUrl_DoesNotWaitBehindTheRequestersDirectMessages()
    {
        // A direct message to the requester that Slack keeps refusing holds up their direct-message lane ...
        answer = url => url.EndsWith("chat.postMessage", StringComparison.Ordinal) ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) : Ok();
        await QueueAsync(responseUrl: null);
        await dispatcher.WaitForIdleAsync(CancellationToken.None);
        Assert.Equal(1, await h.Store.UndeliveredCountAsync(CancellationToken.None));

        // ... but not an answer to another command that goes to that command's response_url.
        await QueueAsync();
        await dispatcher.WaitForIdleAsync(CancellationToken.None);

        Assert.Contains(calls, c => c.Url == ResponseUrl);
        Assert.Equal(1, await h.Store.UndeliveredCountAsync(CancellationToken.None)); // the direct message still waits for its retry
    }

    [Fact]
    public async Task AfterTheResponseUrlStopsBeingValid_TheAnswerComesAsADirectMessage()
    {
        answer = url => url == ResponseUrl ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) : Ok();
        await QueueAsync();
        h.Time.Advance(LateAnswers.ResponseUrlUseFor);

        await dispatcher.WaitForIdleAsync(CancellationToken.None);

        var (url, auth, body) = Assert.Single(calls);
        Assert.Equal("http://127.0.0.1:9/api/chat.postMessage", url);
        Assert.Equal("Bearer xoxb-test-token", auth);
        Assert.Equal("U0ASKER", JsonDocument.Parse(body).RootElement.GetProperty("channel").GetString());
    }

    [Fact]
    public async Task AResponseUrlThatIsNotSlacks_IsNeverCalled()
    {
        await QueueAsync("https://attacker.example/collect");

        await dispatcher.WaitForIdleAsync(CancellationToken.None);

        var (url, _, _) = Assert.Single(calls);
        Assert.Equal("http://127.0.0.1:9/api/chat.postMessage", url);
        Assert.DoesNotContain("attacker.example", answerLog.All);
    }

    [Fact]
    public async Task ARefusedResponseUrl_FallsBackToADirectMessage_AtOnce()
    {
        answer = url => url == ResponseUrl
            ? new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("expired_url") }
            : Ok();
        await QueueAsync();

        await dispatcher.WaitForIdleAsync(CancellationToken.None);

        Assert.Equal([ResponseUrl, "http://127.0.0.1:9/api/chat.postMessage"], calls.Select(c => c.Url));
        Assert.Contains("expired_url", answerLog.All);
        Assert.Equal(0, await h.Store.UndeliveredCountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task WhenTheOutboxCannotTakeTheAnswer_ItGoesStraightToSlack_Once()
    {
        var gone = h.Database.Open(h.Signal, h.Time); // a database that is no longer there: every write fails
        ((IDisposable)gone).Dispose();
        var slack = new SlackApiClient(new HttpClient(new Handler(this)), new SlackApiSettings("xoxb-test-token", new Uri("http://127.0.0.1:9/api/")), h.Time);
        var direct = new LateAnswers(gone, gone, slack, Microsoft.Extensions.Options.Options.Create(new SlackOptions { ApiBaseUrl = "http://127.0.0.1:9/api/" }),
            h.Time, answerLog);

        direct.Queue(Task.FromResult(AccessReplies.Trouble()), "U0ASKER", ResponseUrl);
        await direct.StopAsync(CancellationToken.None);

        var (url, auth, body) = Assert.Single(calls);
        Assert.Equal(ResponseUrl, url);
        Assert.Null(auth);
        Assert.Contains("could not record your request", JsonDocument.Parse(body).RootElement.GetProperty("text").GetString());
        Assert.Contains("could not be queued in the outbox; sending it directly", answerLog.All);
        Assert.DoesNotContain("s3cr3tpart", answerLog.All);
    }

    [Fact]
    public async Task WhenNeitherTheOutboxNorSlackTakeTheAnswer_ItIsTriedAgain_ThenLoggedAsLost()
    {
        answer = _ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        var gone = h.Database.Open(h.Signal, h.Time);
        ((IDisposable)gone).Dispose();
        var slack = new SlackApiClient(new HttpClient(new Handler(this)), new SlackApiSettings("xoxb-test-token", new Uri("http://127.0.0.1:9/api/")), h.Time);
        var direct = new LateAnswers(gone, gone, slack, Microsoft.Extensions.Options.Options.Create(new SlackOptions { ApiBaseUrl = "http://127.0.0.1:9/api/" }),
            h.Time, answerLog);

        direct.Queue(Task.FromResult(AccessReplies.Trouble()), "U0ASKER", null);
        var stopped = direct.StopAsync(CancellationToken.None);
        for (var i = 0; i < 3000 && !stopped.IsCompleted; i++)
        {
            // Each pause between tries ends when the clock passes it; the loop ends as soon as the tries are over.
            h.Time.Advance(LateAnswers.DirectRetryDelay);
            await Task.WhenAny(stopped, Task.Delay(10));
        }
        await stopped;

        Assert.Equal(LateAnswers.DirectAttempts, calls.Count);
        Assert.All(calls, c => Assert.Equal("http://127.0.0.1:9/api/chat.postMessage", c.Url));
        Assert.Contains("could not be queued nor sent", answerLog.All);
    }
}
