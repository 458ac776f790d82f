using JitBot.Grants;
using JitBot.Policies;
using JitBot.Requests;

namespace JitBot.Tests.Requests;

public sealed class LifecycleTableTests
{
    [Theory]
    [InlineData(DecisionOutcome.AutoApproved, RequestState.Granted)]
    [InlineData(DecisionOutcome.ApprovalRequired, RequestState.Pending)]
    [InlineData(DecisionOutcome.Denied, RequestState.Denied)]
    public void Initial_FollowsTheDecision(DecisionOutcome outcome, RequestState expected) =>
        Assert.Equal(expected, RequestLifecycle.Initial(outcome));

    [Fact]
    public void OnlyPendingRequests_CanBeApprovedRejectedOrTimedOut()
    {
        foreach (var state in Enum.GetValues<RequestState>().Where(s => s != RequestState.Pending))
        {
            Assert.Null(RequestLifecycle.Next(state, RequestTrigger.Approve));
            Assert.Null(RequestLifecycle.Next(state, RequestTrigger.Reject));
            Assert.Null(RequestLifecycle.Next(state, RequestTrigger.TimeOut));
        }
        Assert.Equal(RequestState.Granted, RequestLifecycle.Next(RequestState.Pending, RequestTrigger.Approve));
        Assert.Equal(RequestState.Rejected, RequestLifecycle.Next(RequestState.Pending, RequestTrigger.Reject));
        Assert.Equal(RequestState.TimedOut, RequestLifecycle.Next(RequestState.Pending, RequestTrigger.TimeOut));
        Assert.Equal(RequestState.Failed, RequestLifecycle.Next(RequestState.Granted, RequestTrigger.GrantFailed));
    }

    [Fact]
    public void EndedGrants_NeverMoveAgain()
    {
        foreach (var state in new[] { GrantState.Expired, GrantState.Revoked, GrantState.Failed })
            foreach (var trigger in Enum.GetValues<GrantTrigger>())
                Assert.Null(GrantLifecycle.Next(state, trigger));
    }

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(6, 900)]
    [InlineData(50, 900)]
    public void RevokeBackoff_DoublesUpToFifteenMinutes(int attempts, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), RevokeBackoff.After(attempts));
}
