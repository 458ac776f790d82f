using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using JitBot.Slack.Api;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace JitBot.Tests.Slack;

/// <summary>What the Web API client counts: failed calls by method and Slack's error, and HTTP 429 answers by method.</summary>
public sealed class SlackApiMetricsTests : IDisposable
{
    readonly Meter meter = new("JitBot.Tests.SlackApiMetrics");
    readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    readonly MetricCollector<long> errors;
    readonly MetricCollector<long> limited;

    public SlackApiMetricsTests()
    {
        errors = new MetricCollector<long>(meter, SlackApiMetrics.ErrorsInstrument);
        limited = new MetricCollector<long>(meter, SlackApiMetrics.RateLimitedInstrument);
    }

    public void Dispose()
    {
        errors.Dispose();
        limited.Dispose();
        meter.Dispose();
    }

    sealed class Scripted(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer(request));
    }

    SlackApiClient Client(Func<HttpRequestMessage, HttpResponseMessage> answer) =>
        new(new HttpClient(new Scripted(answer)), new SlackApiSettings("xoxb-secret-token", new Uri("http://127.0.0.1:9/api/")), clock,
            new SlackApiMetrics(meter));

    static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    static HttpResponseMessage TooMany()
    {
        var answer = Json("""{"ok":false,"error":"ratelimited"}""", HttpStatusCode.TooManyRequests);
        answer.Headers.Add("Retry-After", "5");
        return answer;
    }

    static (object? Method, object? Error) Tags(CollectedMeasurement<long> m) =>
        (m.Tags.GetValueOrDefault("method"), m.Tags.GetValueOrDefault("error"));

    [Fact]
    public async Task AnOkFalseAnswer_IsCounted_ByMethodAndSlacksError()
    {
        var client = Client(_ => Json("""{"ok":false,"error":"channel_not_found"}"""));

        await Assert.ThrowsAsync<SlackApiException>(() => client.Conversations.InfoAsync("C0NOPE", CancellationToken.None));

        var counted = Assert.Single(errors.GetMeasurementSnapshot());
        Assert.Equal(1, counted.Value);
        Assert.Equal(("conversations.info", "channel_not_found"), Tags(counted));
        Assert.Empty(limited.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task HttpErrorsAndConnectionFailures_AreCounted_WithBoundedCodes()
    {
        var client = Client(r => r.RequestUri!.AbsolutePath.EndsWith("users.info", StringComparison.Ordinal)
            ? Json("oops", HttpStatusCode.BadGateway)
            : throw new HttpRequestException("connection refused"));

        await Assert.ThrowsAsync<SlackApiException>(() => client.Users.InfoAsync("U1", CancellationToken.None));
        await Assert.ThrowsAsync<SlackApiException>(() => client.Auth.TestAsync(CancellationToken.None));

        Assert.Equal([("users.info", "http_502"), ("auth.test", "request_failed")], errors.GetMeasurementSnapshot().Select(Tags));
        Assert.Equal("other", SlackApiMetrics.Code("Not A <Slack> code"));
        Assert.Equal("other", SlackApiMetrics.Code(new string('a', 41)));
    }

    [Fact]
    public async Task A429_IsCounted_AndACallToldToTryLater_IsNoFailure()
    {
        var client = Client(_ => TooMany());

        using (SlackApiClient.WithoutWaiting())
            await Assert.ThrowsAsync<SlackRateLimitedException>(() => client.Auth.TestAsync(CancellationToken.None));

        Assert.Equal("auth.test", Assert.Single(limited.GetMeasurementSnapshot()).Tags["method"]);
        Assert.Empty(errors.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task ACallThatGivesUpAfterA429_IsCountedAsBoth()
    {
        var client = new SlackApiClient(new HttpClient(new Scripted(_ => TooMany())),
            new SlackApiSettings("xoxb-secret-token", new Uri("http://127.0.0.1:9/api/")) { MaxRateLimitRetries = 0 }, clock, new SlackApiMetrics(meter));

        Assert.Equal("rate_limited", (await Assert.ThrowsAsync<SlackApiException>(() => client.Users.InfoAsync("U1", CancellationToken.None))).Error);

        Assert.Equal("users.info", Assert.Single(limited.GetMeasurementSnapshot()).Tags["method"]);
        Assert.Equal(("users.info", "rate_limited"), Tags(Assert.Single(errors.GetMeasurementSnapshot())));
    }

    [Fact]
    public async Task AResponseUrlThatFails_IsCountedUnderItsOwnMethodName()
    {
        var client = Client(_ => new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("expired_url") });

        await Assert.ThrowsAsync<SlackApiException>(() =>
            client.Responses.RespondAsync(new Uri("http://127.0.0.1:9/hooks/x"), "hi", CancellationToken.None));

        Assert.Equal((SlackApiClient.ResponseUrlMethod, "expired_url"), Tags(Assert.Single(errors.GetMeasurementSnapshot())));
    }
}
