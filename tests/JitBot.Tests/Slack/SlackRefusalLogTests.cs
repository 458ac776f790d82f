using JitBot.Slack.Dispatch;
using JitBot.SlackApp;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace JitBot.Tests.Slack;

public class SlackRefusalLogTests
{
    readonly FakeTimeProvider time = new(Samples.Now);
    readonly FakeLogCollector logs = new();

    SlackRefusalLog Log() => new(time, new FakeLogger<SlackRefusalLog>(logs));

    IReadOnlyList<FakeLogRecord> LinesFor(SlackInboundKind endpoint) =>
        logs.GetSnapshot().Where(r => r.GetStructuredStateValue("Endpoint") == SlackEndpoint.PathOf(endpoint)).ToList();

    static int CountIn(FakeLogRecord line) => int.Parse(line.GetStructuredStateValue("Count")!);

    [Fact]
    public void ThousandRefusals_WriteAtMostOneLinePerEndpointPerMinute_WithTheCount()
    {
        using var refusals = Log();
        for (var i = 0; i < 1000; i++)
        {
            refusals.Count(SlackInboundKind.Interaction, i % 10 == 0 ? "MissingSignature" : "Mismatch");
            refusals.Count(SlackInboundKind.Command, "StaleTimestamp");
            time.Advance(TimeSpan.FromMilliseconds(50)); // 1,000 of each in 50 seconds
        }

        Assert.Single(LinesFor(SlackInboundKind.Interaction));
        Assert.Single(LinesFor(SlackInboundKind.Command));
        Assert.Empty(LinesFor(SlackInboundKind.Event));

        time.Advance(TimeSpan.FromSeconds(10)); // the minute is over: what was counted is summed up

        var interactions = LinesFor(SlackInboundKind.Interaction);
        Assert.Equal(2, interactions.Count);
        Assert.Equal(1000, interactions.Sum(CountIn));
        Assert.Contains("Mismatch 900, MissingSignature 99", interactions[1].Message);
        Assert.Equal(1000, LinesFor(SlackInboundKind.Command).Sum(CountIn));
        Assert.Equal(4, logs.Count);
    }

    [Fact]
    public void FirstRefusalAfterAQuietMinute_IsLoggedAtOnce()
    {
        using var refusals = Log();
        refusals.Count(SlackInboundKind.Event, "Mismatch");
        time.Advance(TimeSpan.FromMinutes(5));

        refusals.Count(SlackInboundKind.Event, "unreadable body");

        var lines = LinesFor(SlackInboundKind.Event);
        Assert.Equal(2, lines.Count);
        Assert.Contains("unreadable body 1", lines[1].Message);
    }
}
