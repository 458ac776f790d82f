using JitBot.Hosting;
using JitBot.Policies;
using JitBot.Slack.Api;
using JitBot.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Quartz;

namespace JitBot.Tests.Hosting;

/// <summary>
/// What <c>/readyz</c> checks, one thing at a time: the store, the scheduler, the policy, and Slack (a cached
/// <c>auth.test</c> that never makes a probe wait long and is asked at most every 30 s).
/// </summary>
public sealed class ReadinessTests
{
    static readonly CancellationToken Ct = CancellationToken.None;
    readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero));
    readonly IAccessStore store = Substitute.For<IAccessStore>();
    readonly IScheduler scheduler = Substitute.For<IScheduler>();
    readonly ISchedulerFactory schedulers = Substitute.For<ISchedulerFactory>();
    readonly IPolicySource policies = Substitute.For<IPolicySource>();
    readonly ISlackApiClient slack = Substitute.For<ISlackApiClient>();
    readonly IAuthApi auth = Substitute.For<IAuthApi>();

    public ReadinessTests()
    {
        schedulers.GetScheduler(Arg.Any<CancellationToken>()).Returns(scheduler);
        scheduler.GetStatus(Arg.Any<CancellationToken>()).Returns(SchedulerStatus.Running);
        var policy = Substitute.For<IPolicySnapshot>();
        policy.Version.Returns("abc123");
        policies.Current.Returns(policy);
        slack.Auth.Returns(auth);
        auth.TestAsync(Arg.Any<CancellationToken>()).Returns(new AuthIdentity("T0TEAM", "U0JITBOT", "B0JITBOT", null, null));
    }

    SlackReachability Slack() => new(slack, clock, NullLogger<SlackReachability>.Instance);

    Readiness Readiness(SlackReachability? reachability = null, bool readyRequiresSlack = true) =>
        new(store, schedulers, policies, reachability ?? Slack(), Options.Create(new HealthOptions { ReadyRequiresSlack = readyRequiresSlack }));

    [Fact]
    public async Task AllAnswering_IsReady()
    {
        var report = await Readiness().CheckAsync(Ct);

        Assert.True(report.Ready);
        Assert.Empty(report.Notes!);
    }

    [Fact]
    public async Task EachThingThatIsNotThere_IsOneSentence()
    {
        store.PingAsync(Arg.Any<CancellationToken>()).ThrowsAsync(new InvalidOperationException("no"));
        scheduler.GetStatus(Arg.Any<CancellationToken>()).Returns(SchedulerStatus.Standby);
        policies.Current.Returns((IPolicySnapshot)null!);
        auth.TestAsync(Arg.Any<CancellationToken>()).ThrowsAsync(new SlackApiException("auth.test", "service_unavailable"));

        var report = await Readiness().CheckAsync(Ct);

        Assert.False(report.Ready);
        Assert.Equal(
        [
            "The store cannot be read (InvalidOperationException); JitBot tries again on every request and every sweep.",
            "The scheduler that revokes grants at their expiry is not running (Standby).",
            "No policy is loaded.",
            "Slack's Web API is not working for JitBot (auth.test answered service_unavailable); JitBot cannot post approvals or notices from here.",
        ], report.Problems);
    }

    [Theory]
    [InlineData("invalid_auth", "Slack refuses the bot token (auth.test answered invalid_auth): check Slack:BotToken")]
    [InlineData("request_failed", "Slack cannot be reached (auth.test could not connect)")]
    public async Task SlackProblems_SayWhatToCheck(string error, string sentence)
    {
        auth.TestAsync(Arg.Any<CancellationToken>()).ThrowsAsync(new SlackApiException("auth.test", error));

        Assert.StartsWith(sentence, Assert.Single((await Readiness().CheckAsync(Ct)).Problems));
    }

    [Fact]
    public async Task WithReadyRequiresSlackOff_ASlackProblemIsANote_AndTheReplicaStaysReady()
    {
        auth.TestAsync(Arg.Any<CancellationToken>()).ThrowsAsync(new SlackApiException("auth.test", "request_failed"));

        var report = await Readiness(readyRequiresSlack: false).CheckAsync(Ct);

        Assert.True(report.Ready);
        Assert.StartsWith("Slack cannot be reached", Assert.Single(report.Notes!));
    }

    [Fact]
    public async Task Slack_IsAskedAtMostOnceEvery30Seconds_HoweverOftenReadinessIsProbed()
    {
        var reachability = Slack();
        for (var i = 0; i < 10; i++) Assert.Null(await reachability.ProblemAsync(Ct));
        await auth.Received(1).TestAsync(Arg.Any<CancellationToken>());

        auth.TestAsync(Arg.Any<CancellationToken>()).ThrowsAsync(new SlackApiException("auth.test", "service_unavailable"));
        clock.Advance(SlackReachability.CheckEvery - TimeSpan.FromSeconds(1));
        Assert.Null(await reachability.ProblemAsync(Ct)); // the answer of 29 s ago still stands
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(await reachability.ProblemAsync(Ct));
        Assert.NotNull(await reachability.ProblemAsync(Ct));
        await auth.Received(2).TestAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A429_MeansSlackIsThere()
    {
        auth.TestAsync(Arg.Any<CancellationToken>()).ThrowsAsync(new SlackRateLimitedException("auth.test", clock.GetUtcNow().AddSeconds(5)));

        Assert.Null(await Slack().ProblemAsync(Ct));
    }

    [Fact]
    public async Task ASlowSlack_HoldsAProbeAtMostTwoSeconds_ThenTheLastAnswerStands()
    {
        var answer = new TaskCompletionSource<AuthIdentity>();
        auth.TestAsync(Arg.Any<CancellationToken>()).Returns(answer.Task);
        var reachability = Slack();

        var probe = reachability.ProblemAsync(Ct);
        Assert.False(probe.IsCompleted);
        clock.Advance(SlackReachability.WaitAtMost);
        Assert.StartsWith("Slack has not answered auth.test yet", await probe);

        answer.SetResult(new AuthIdentity("T0TEAM", "U0JITBOT", null, null, null));
        Assert.Null(await reachability.ProblemAsync(Ct));
        await auth.Received(1).TestAsync(Arg.Any<CancellationToken>());
    }
}
