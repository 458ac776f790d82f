using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Providers;
using JitBot.Providers.Webhook;

namespace JitBot.IntegrationTests.Providers;

/// <summary>The webhook provider against a real HTTP receiver on 127.0.0.1.</summary>
public sealed class WebhookProviderTests : IAsyncLifetime
{
    const string Secret = "whsec-test-0123456789abcdef";
    readonly FakeTimeProvider clock = new(ProviderTestKit.Start);
    WebhookReceiver receiver = null!;
    CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync() => receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await receiver.DisposeAsync();

    IAccessProvider Provider(string? checkUrl = null, int timeoutSeconds = 10, int attempts = 3) =>
        ProviderTestKit.Create(new WebhookType(), new Dictionary<string, string?>
        {
            ["Url"] = receiver.Url.ToString(),
            ["Secret"] = Secret,
            ["CheckUrl"] = checkUrl,
            ["TimeoutSeconds"] = timeoutSeconds.ToString(CultureInfo.InvariantCulture),
            ["Attempts"] = attempts.ToString(CultureInfo.InvariantCulture),
        }, clock);

    static ProviderGrant Grant() => ProviderTestKit.Grant(WebhookType.Name, new Dictionary<string, string> { ["action"] = "add-to-vpn" });

    /// <summary>What a receiver does, as docs/providers.md shows it: recompute the signature and compare in constant time.</summary>
    static bool Verifies(ReceivedWebhook hook, string secret)
    {
        var timestamp = hook.Header("X-JitBot-Timestamp")!;
        var expected = "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes($"v1:{timestamp}:{hook.Body}")));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(hook.Header("X-JitBot-Signature")!));
    }

    [Fact]
    public async Task Grant_PostsASignedEventThatTheDocumentedVerifierAccepts()
    {
        var result = await Provider().GrantAsync(Grant(), Ct);

        Assert.True(result.Succeeded, result.Error);
        var hook = Assert.Single(receiver.Received);
        Assert.Equal("/hook", hook.Path);
        Assert.True(Verifies(hook, Secret));
        Assert.False(Verifies(hook, Secret + "x"));
        Assert.Equal(ProviderTestKit.Start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), hook.Header("X-JitBot-Timestamp"));
        Assert.Equal("grt_1:grant", hook.Header("Idempotency-Key"));
        Assert.Equal("grant", hook.Header("X-JitBot-Event"));
        Assert.StartsWith("application/json", hook.Header("Content-Type"));
        using var body = JsonDocument.Parse(hook.Body);
        var e = body.RootElement;
        Assert.Equal("grant", e.GetProperty("event").GetString());
        Assert.Equal("grt_1", e.GetProperty("grant_id").GetString());
        Assert.Equal("U0PAY0001", e.GetProperty("user").GetString());
        Assert.Equal("payments-db", e.GetProperty("resource").GetString());
        Assert.Equal("default", e.GetProperty("instance").GetString());
        Assert.Equal("add-to-vpn", e.GetProperty("parameters").GetProperty("action").GetString());
        Assert.Equal(ProviderTestKit.Start.AddHours(2), e.GetProperty("expires_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task Revoke_PostsARevokeEventWithItsOwnIdempotencyKey()
    {
        var result = await Provider().RevokeAsync(Grant(), Ct);

        Assert.True(result.Succeeded, result.Error);
        var hook = Assert.Single(receiver.Received);
        Assert.Equal("grt_1:revoke", hook.Header("Idempotency-Key"));
        Assert.Equal("revoke", JsonDocument.Parse(hook.Body).RootElement.GetProperty("event").GetString());
        Assert.True(Verifies(hook, Secret));
    }

    [Fact]
    public async Task Grant_WhenTheReceiverAnswers500ThenOk_IsRetriedWithTheSameIdempotencyKeyAndSucceeds()
    {
        receiver.Answer(500, "database is restarting");
        var provider = Provider();

        var grant = provider.GrantAsync(Grant(), Ct);
        await receiver.WaitForAsync(1);
        await ClockSteps.AdvanceUntilAsync(clock.Advance, () => grant.IsCompleted, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), "the retry");

        var result = await grant;
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(2, receiver.Received.Count);
        Assert.All(receiver.Received, h => Assert.Equal("grt_1:grant", h.Header("Idempotency-Key")));
    }

    [Fact]
    public async Task Grant_WhenTheReceiverKeepsAnswering500_FailsWithTheStatusAndTheStartOfTheBodyEscaped()
    {
        var body = "boom\u001b[31m\n" + new string('x', 1000);
        for (var i = 0; i < 2; i++) receiver.Answer(500, body);
        var provider = Provider(attempts: 2);

        var grant = provider.GrantAsync(Grant(), Ct);
        await receiver.WaitForAsync(1);
        await ClockSteps.AdvanceUntilAsync(clock.Advance, () => grant.IsCompleted, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), "the failure");

        var result = await grant;
        Assert.False(result.Succeeded);
        Assert.True(result.Retryable);
        Assert.Contains("HTTP 500", result.Error);
        Assert.Contains(@"boom\u001B[31m\u000A", result.Error);
        Assert.DoesNotContain('\u001b', result.Error!);
        Assert.DoesNotContain(new string('x', 300), result.Error);
        Assert.Contains("after 2 attempts", result.Error);
        Assert.Equal(2, receiver.Received.Count);
    }

    [Fact]
    public async Task Grant_WhenTheReceiverAnswers404_FailsAtOnceWithoutRetrying()
    {
        receiver.Answer(404, "no such hook");

        var result = await Provider().GrantAsync(Grant(), Ct);

        Assert.False(result.Succeeded);
        Assert.False(result.Retryable);
        Assert.Contains("HTTP 404: no such hook", result.Error);
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task Grant_WhenTheReceiverRedirects_FailsNamingTheRedirectAndDoesNotFollowIt()
    {
        receiver.Answer(307, location: new Uri(receiver.BaseUrl, "elsewhere").ToString());

        var result = await Provider().GrantAsync(Grant(), Ct);

        Assert.False(result.Succeeded);
        Assert.Contains("HTTP 307, a redirect to", result.Error);
        Assert.Contains("/elsewhere", result.Error);
        Assert.Contains("does not follow redirects", result.Error);
        Assert.Equal(["/hook"], receiver.Received.Select(h => h.Path));
    }

    [Fact]
    public async Task Grant_WhenTheReceiverDoesNotAnswer_FailsOnceTheCallsTimeIsUp()
    {
        for (var i = 0; i < 3; i++) receiver.Hang();
        var provider = Provider(timeoutSeconds: 5);

        var grant = provider.GrantAsync(Grant(), Ct);
        await receiver.WaitForAsync(1);
        clock.Advance(TimeSpan.FromSeconds(5));

        var result = await grant;
        Assert.False(result.Succeeded);
        Assert.True(result.Retryable);
        Assert.Contains("did not answer within 5 seconds", result.Error);
    }

    [Fact]
    public async Task Check_WithoutACheckUrl_IsUnknownAndAsksNobody()
    {
        var check = await Provider().CheckAsync(Grant(), Ct);

        Assert.Equal(ProviderState.Unknown, check.State);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task Check_WithACheckUrl_AsksItWithASignedCheckEvent()
    {
        receiver.Answer(200, """{"granted": false}""");
        var provider = Provider(checkUrl: new Uri(receiver.BaseUrl, "check").ToString());

        var check = await provider.CheckAsync(Grant(), Ct);

        Assert.Equal(ProviderState.NotGranted, check.State);
        var hook = Assert.Single(receiver.Received);
        Assert.Equal("/check", hook.Path);
        Assert.Equal("check", hook.Header("X-JitBot-Event"));
        Assert.True(Verifies(hook, Secret));
    }

    [Theory]
    [InlineData("Url", "ftp://example.com/hook", "Providers:webhook:default:Url")]
    [InlineData("Url", "https://user:pw@example.com/hook", "Providers:webhook:default:Url")]
    [InlineData("Secret", "short", "Providers:webhook:default:Secret")]
    [InlineData("TimeoutSeconds", "0", "Providers:webhook:default:TimeoutSeconds")]
    public void Settings_ThatAreWrong_StopStartUpNamingTheKey(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { ["Url"] = "https://hooks.example.com/jitbot", ["Secret"] = Secret, [key] = value };

        var e = Assert.Throws<ProviderSettingsException>(() => ProviderTestKit.Create(new WebhookType(), settings, clock));

        Assert.Contains(named, e.Message);
        Assert.DoesNotContain("pw@", e.Message);
    }
}
