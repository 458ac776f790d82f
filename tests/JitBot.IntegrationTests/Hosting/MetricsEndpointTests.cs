using System.Net;
using JitBot.Grants;
using JitBot.IntegrationTests.EndToEnd;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Slack.Api;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.Hosting;

/// <summary>
/// <c>GET /metrics</c> of the real host after a whole flow (ask, approve, grant, a failing then succeeding revocation,
/// Slack errors and a 429): every JitBot instrument is there in Prometheus' text format, with values the flow explains.
/// </summary>
public sealed class MetricsEndpointTests : WorkspaceTests
{
    static readonly CancellationToken Ct = CancellationToken.None;

    protected override bool AssertNoSlackProblems => false;

    async Task<PrometheusText> ScrapeAsync(Workspace? of = null)
    {
        var response = await (of ?? w).Bot.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Scrapes until <paramref name="done"/> holds (the bot's background work runs on real threads).</summary>
    async Task<PrometheusText> ScrapeUntilAsync(Func<PrometheusText, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var scrape = await ScrapeAsync();
            if (done(scrape)) return scrape;
            if (DateTime.UtcNow > deadline) Assert.Fail($"/metrics never showed {what}:\n{scrape.Text}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task AfterAWholeFlow_EveryInstrumentIsExported_WithValuesTheFlowExplains()
    {
        // Asked, approved five minutes later, granted; one granted at once; one denied.
        Assert.Contains("waiting for", await w.AskAsync(People.Ben, "payments-api-prod for 1h because INC-4312 payouts stuck"));
        var post = await w.ApprovalPostedAsync();
        w.Clock.Advance(TimeSpan.FromMinutes(5));
        await w.ClickAsync(People.Ana, approve: true, post);
        await w.DirectMessageAsync(People.Ben, "You have access to `payments-api-prod`");
        Assert.Contains("approved for 2 hours", await w.AskAsync(People.Ana, "payments-db-staging for 2h because checking a migration"));
        Assert.Contains("denied", await w.AskAsync(People.Eve, "payments-db for 1h because curious"));

        // The active grants are counted every 30 s.
        w.Clock.Advance(ActiveGrantsMonitor.Interval);
        await ScrapeUntilAsync(m => m.Value("jitbot_grants_active") == 2, "2 active grants");

        // Slack fails a call, and answers another with 429.
        var slack = w.Bot.Services.GetRequiredService<ISlackApiClient>();
        w.Slack.Fail("conversations.info", "channel_not_found");
        await Assert.ThrowsAsync<SlackApiException>(() => slack.Conversations.InfoAsync("C0GONE", Ct));
        w.Slack.RateLimit("conversations.members");
        using (SlackApiClient.WithoutWaiting())
            await Assert.ThrowsAsync<SlackRateLimitedException>(() => slack.Conversations.MembersAsync("C0PAYMENTS", null, 100, Ct));

        // The approved grant expires; its first revoke attempt fails, the retry 30 s later succeeds.
        var approvedGrant = w.Provider.Granted.First();
        w.Provider.FailRevokes = 1;
        w.Clock.Advance(TimeSpan.FromMinutes(60));
        await ScrapeUntilAsync(m => m.Value("jitbot_revocation_failures_total", "provider=record") == 1, "one failed revoke attempt");
        await ClockSteps.AdvanceUntilAsync(w.Clock.Advance, () => w.Provider.Revoked.Contains(approvedGrant), RevokeBackoff.First, TimeSpan.FromMinutes(5),
            "The retried revocation");
        // The provider answers before the grant's end is stored; its lateness is measured once that is committed, so
        // the next count of active grants (every 30 s) is the first that must see one fewer.
        await ScrapeUntilAsync(m => m.Value("jitbot_revocation_lateness_seconds_count") == 1, "the revocation's lateness");
        w.Clock.Advance(ActiveGrantsMonitor.Interval);
        var m = await ScrapeUntilAsync(m => m.Value("jitbot_grants_active") == 1, "1 active grant");

        Assert.Equal(1, m.Value("jitbot_requests_total", "outcome=pending"));
        Assert.Equal(1, m.Value("jitbot_requests_total", "outcome=auto_approved"));
        Assert.Equal(1, m.Value("jitbot_requests_total", "outcome=denied"));
        Assert.Equal("counter", m.Types["jitbot_requests_total"]);
        Assert.Equal(3, m.Value("jitbot_decision_duration_seconds_count"));
        Assert.True(m.Value("jitbot_decision_duration_seconds_sum") >= 0);
        Assert.Equal("histogram", m.Types["jitbot_decision_duration_seconds"]);
        Assert.Equal(1, m.Value("jitbot_approval_duration_seconds_count", "outcome=approved"));
        Assert.Equal(300, m.Value("jitbot_approval_duration_seconds_sum", "outcome=approved"));
        Assert.Equal(1, m.Value("jitbot_approval_duration_seconds_bucket", "outcome=approved", "le=+Inf"));
        Assert.Equal("gauge", m.Types["jitbot_grants_active"]);
        Assert.Equal(1, m.Value("jitbot_revocation_lateness_seconds_count"));
        Assert.InRange(m.Value("jitbot_revocation_lateness_seconds_sum")!.Value, RevokeBackoff.First.TotalSeconds, 5 * 60);
        Assert.Equal(1, m.Value("jitbot_revocation_failures_total", "provider=record"));
        Assert.Equal(1, m.Value("jitbot_slack_api_errors_total", "method=conversations.info", "error=channel_not_found"));
        Assert.Equal(1, m.Value("jitbot_slack_api_rate_limited_total", "method=conversations.members"));
        Assert.NotNull(m.Value("jitbot_outbox_depth"));
        Assert.NotNull(m.Value("jitbot_outbox_oldest_age_seconds"));
        // Counts and durations only: no id, user or resource of the flow is in the scrape.
        Assert.DoesNotContain(People.Ben, m.Text);
        Assert.DoesNotContain("payments-api-prod", m.Text);
        Assert.DoesNotContain(approvedGrant, m.Text);
    }

    [Fact]
    public async Task EachHost_ExportsItsOwnMeasurements_NotThoseOfAnotherHostInTheSameProcess()
    {
        await using var other = await Workspace.StartAsync();
        Assert.Contains("approved for", await other.AskAsync(People.Ana, "payments-db-staging for 2h because checking a migration"));
        Assert.Equal(1, (await ScrapeAsync(other)).Value("jitbot_requests_total", "outcome=auto_approved"));

        Assert.Null((await ScrapeAsync()).Value("jitbot_requests_total", "outcome=auto_approved"));
    }

    [Fact]
    public async Task MetricsEnabledFalse_ServesNoMetrics()
    {
        await using var off = await Workspace.StartAsync(settings: new Dictionary<string, string?> { ["Metrics:Enabled"] = "false" });

        Assert.Equal(HttpStatusCode.NotFound, (await off.Bot.Client.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task MetricsPort_ServesMetricsOnThatPortAlone()
    {
        await using var bound = await Workspace.StartAsync(settings: new Dictionary<string, string?> { ["Metrics:Port"] = "9464" });

        Assert.Equal(HttpStatusCode.NotFound, (await bound.Bot.Client.GetAsync("http://localhost/metrics")).StatusCode);
        var onPort = await bound.Bot.Client.GetAsync("http://localhost:9464/metrics");
        Assert.Equal(HttpStatusCode.OK, onPort.StatusCode);
        Assert.Contains("jitbot_outbox_depth", await onPort.Content.ReadAsStringAsync());
    }
}
