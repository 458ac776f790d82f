using System.Net;
using System.Text;
using System.Text.Json;
using JitBot.Slack.Api;
using Microsoft.Extensions.Time.Testing;

namespace JitBot.Tests.Slack;

/// <summary>
/// Slack's limits in the client: a token bucket per channel for posts, a pause per method and channel after a
/// 429, waiting on the injected clock, or failing at once with the moment to try again when the caller does not wait.
/// </summary>
public class SlackRateLimitTests
{
    readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    readonly List<string> sent = [];
    Func<string, HttpResponseMessage> answer = _ => Ok();

    sealed class Handler(SlackRateLimitTests test) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            var channel = JsonDocument.Parse(body).RootElement.GetProperty("channel").GetString()!;
            lock (test.sent) test.sent.Add(channel);
            return test.answer(channel);
        }
    }

    static HttpResponseMessage Ok() =>
        new(HttpStatusCode.OK) { Content = new StringContent("""{"ok":true,"channel":"C","ts":"1.0"}""", Encoding.UTF8, "application/json") };

    static HttpResponseMessage TooMany(int seconds)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Content = new StringContent("""{"ok":false,"error":"ratelimited"}""") };
        response.Headers.Add("Retry-After", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return response;
    }

    SlackApiClient Client(double perSecond = 1, int burst = 3) =>
        new(new HttpClient(new Handler(this)),
            new SlackApiSettings("xoxb-test", new Uri("http://127.0.0.1:9/api/")) { MessagesPerSecond = perSecond, MessageBurst = burst }, clock);

    static Task Post(SlackApiClient client, string channel) => client.Chat.PostMessageAsync(new ChatMessage(channel, "x"), CancellationToken.None);

    [Fact]
    public async Task AChannel_GetsItsBurst_ThenAboutOneMessageASecond_OnTheInjectedClock()
    {
        var client = Client(perSecond: 1, burst: 3);
        for (var i = 0; i < 3; i++) await Post(client, "C1");

        var fourth = Post(client, "C1");
        await Post(client, "C2"); // another channel has its own bucket
        Assert.False(fourth.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        await fourth.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["C1", "C1", "C1", "C2", "C1"], sent);
    }

    [Fact]
    public async Task WithoutWaiting_AHeldBackPost_FailsAtOnce_SayingWhenItMayGo()
    {
        var client = Client(perSecond: 1, burst: 1);
        await Post(client, "C1");

        using (SlackApiClient.WithoutWaiting())
        {
            var held = await Assert.ThrowsAsync<SlackRateLimitedException>(() => Post(client, "C1"));
            Assert.Equal(clock.GetUtcNow().AddSeconds(1), held.RetryAt);
            Assert.Equal("rate_limited", held.Error);
            await Post(client, "C2");
        }

        Assert.Equal(["C1", "C2"], sent);
    }

    [Fact]
    public async Task A429InOneChannel_PausesThatChannelOnly_AndItResumesAfterRetryAfter()
    {
        var client = Client(perSecond: 0);
        answer = channel => channel == "C1" && sent.Count(c => c == "C1") == 1 ? TooMany(30) : Ok();

        using (SlackApiClient.WithoutWaiting())
        {
            var limited = await Assert.ThrowsAsync<SlackRateLimitedException>(() => Post(client, "C1"));
            Assert.Equal(clock.GetUtcNow().AddSeconds(30), limited.RetryAt);

            // Channel B goes on at once; channel A is not even tried until Slack's pause is over.
            await Post(client, "C2");
            await Post(client, "C2");
            await Assert.ThrowsAsync<SlackRateLimitedException>(() => Post(client, "C1"));
            Assert.Equal(["C1", "C2", "C2"], sent);

            clock.Advance(TimeSpan.FromSeconds(30));
            await Post(client, "C1");
        }
        Assert.Equal(["C1", "C2", "C2", "C1"], sent);
    }

    [Fact]
    public async Task A429_WhileWaiting_WaitsOnlyThatChannel()
    {
        var client = Client(perSecond: 0);
        answer = channel => channel == "C1" && sent.Count(c => c == "C1") == 1 ? TooMany(5) : Ok();

        var first = Post(client, "C1");
        await Post(client, "C2");
        Assert.False(first.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(5));
        await first.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["C1", "C2", "C1"], sent);
    }
}
