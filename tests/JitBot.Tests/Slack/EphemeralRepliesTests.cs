using JitBot.Slack.Api;
using JitBot.SlackApp;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace JitBot.Tests.Slack;

/// <summary>
/// The retries wait on the fake clock. Each test runs on a synchronization context that runs continuations at
/// once, so moving the clock runs the retry before <c>Advance</c> returns: no thread races the test.
/// </summary>
public class EphemeralRepliesTests
{
    static readonly EphemeralMessage Answer = new("C0APPROVALS", "U0APPROVER", ":white_check_mark: Approved.");

    readonly FakeTimeProvider time = new(Samples.Now);
    readonly IChatApi chat = Substitute.For<IChatApi>();
    readonly EphemeralReplies replies;
    readonly List<double> attemptSeconds = [];

    public EphemeralRepliesTests()
    {
        var slack = Substitute.For<ISlackApiClient>();
        slack.Chat.Returns(chat);
        replies = new EphemeralReplies(slack, time, NullLogger<EphemeralReplies>.Instance);
    }

    /// <summary>Slack answers the n-th call (from 1) with <paramref name="error"/>(n): null for ok, else Slack's error code.</summary>
    void SlackAnswers(Func<int, string?> error) =>
        chat.PostEphemeralAsync(Answer, Arg.Any<CancellationToken>()).Returns(_ =>
        {
            attemptSeconds.Add((time.GetUtcNow() - Samples.Now).TotalSeconds);
            return error(attemptSeconds.Count) is { } code
                ? Task.FromException(new SlackApiException("chat.postEphemeral", code))
                : Task.CompletedTask;
        });

    /// <summary>Starts sending, then moves the clock by each of <paramref name="seconds"/> in turn.</summary>
    Task Send(params int[] seconds) => InlineContinuations.Run(() =>
    {
        var sending = replies.SendAsync(Answer, CancellationToken.None);
        foreach (var s in seconds) time.Advance(TimeSpan.FromSeconds(s));
        return sending;
    });

    [Fact]
    public void AnswerToAClick_IsSentAgain_WhenSlackFailsOnce()
    {
        SlackAnswers(n => n == 1 ? "internal_error" : null);

        var sending = Send(1);

        Assert.True(sending.IsCompletedSuccessfully);
        Assert.Equal([0, 1], attemptSeconds);
    }

    [Theory]
    [InlineData("http_503")]
    [InlineData("request_failed")]
    [InlineData("rate_limited")]
    public void FailuresThatMayPass_AreRetried_AfterOneTwoAndFourSeconds(string error)
    {
        SlackAnswers(n => n <= 3 ? error : null);

        var sending = Send(1, 2, 4);

        Assert.True(sending.IsCompletedSuccessfully);
        Assert.Equal([0, 1, 3, 7], attemptSeconds);
    }

    [Fact]
    public void SlackFailingForLong_IsGivenUpWithinThirtySeconds_AndTheErrorSurfaces()
    {
        SlackAnswers(_ => "service_unavailable");

        var sending = Send(1, 2, 4, 8, 16, 32);

        Assert.True(sending.IsFaulted);
        Assert.Equal("service_unavailable", Assert.IsType<SlackApiException>(sending.Exception!.InnerException).Error);
        Assert.Equal([0, 1, 3, 7, 15], attemptSeconds); // after 15 s, a wait of 16 s would end past 30 s
    }

    [Fact]
    public void FailureThatWillNotPass_IsNotRetried()
    {
        SlackAnswers(_ => "user_not_in_channel");

        var sending = Send(1, 2, 4);

        Assert.True(sending.IsFaulted);
        Assert.Equal([0], attemptSeconds);
    }
}

/// <summary>A synchronization context that runs every continuation posted to it at once, on the posting thread.</summary>
sealed class InlineContinuations : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state) => d(state);

    public static T Run<T>(Func<T> action)
    {
        var previous = Current;
        SetSynchronizationContext(new InlineContinuations());
        try { return action(); }
        finally { SetSynchronizationContext(previous); }
    }
}
