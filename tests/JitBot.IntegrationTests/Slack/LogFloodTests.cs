using System.Net;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.SlackApp;
using Microsoft.Extensions.Logging;

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
}
