using JitBot.IntegrationTests.Infrastructure;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>
/// The example policy's <c>slack-usergroup</c> resources end to end: <c>k8s-dev</c> and <c>analytics-dev</c> both
/// grant membership of the same Slack user group, so they are one access in the ledger.
/// </summary>
public sealed class UserGroupLedgerTests : WorkspaceTests
{
    const string DevEngineers = "S01DEVENG";
    const string Standing = "U0PLT0001";

    protected override async Task<Workspace> StartWorkspaceAsync()
    {
        var started = await Workspace.StartAsync();
        started.Slack.SetGroup(DevEngineers, Standing);
        return started;
    }

    async Task<int> ActiveGrantsAsync() =>
        (await w.Bot.Services.GetRequiredService<IAccessStore>().ActiveGrantsAsync(CancellationToken.None)).Count(g => g.Grant.State == GrantState.Active);

    [Fact]
    public async Task OverlappingGrantsOfOneGroup_TheShorterEnding_KeepsTheMembershipUntilTheLongerEnds()
    {
        Assert.Contains("approved for", await w.AskAsync(People.Ana, "k8s-dev for 1h"));
        await w.DirectMessageAsync(People.Ana, "You have access to `k8s-dev`");
        Assert.Equal([People.Ana, Standing], w.Slack.GroupMembers(DevEngineers));
        Assert.Contains("approved for", await w.AskAsync(People.Ana, "analytics-dev for 3h"));
        await w.DirectMessageAsync(People.Ana, "You have access to `analytics-dev`");

        w.Clock.Advance(TimeSpan.FromMinutes(61));
        // The ending notice is queued in the same commit that ends the grant, after the provider was (or was not) asked.
        await w.DirectMessageAsync(People.Ana, "Your access to `k8s-dev`");
        Assert.Equal(1, await ActiveGrantsAsync());
        Assert.Contains(People.Ana, w.Slack.GroupMembers(DevEngineers));

        w.Clock.Advance(TimeSpan.FromHours(2));
        await w.DirectMessageAsync(People.Ana, "Your access to `analytics-dev`");
        Assert.Equal(0, await ActiveGrantsAsync());
        Assert.Equal([Standing], w.Slack.GroupMembers(DevEngineers));
        Assert.Single(w.Slack.CallsTo("usergroups.users.update"), c => !c.Arg("users")!.Contains(People.Ana));
    }

    [Fact]
    public async Task PersonPutBackInTheGroupAfterTheirGrantEnded_IsTakenOutAgainByReconciliation()
    {
        Assert.Contains("approved for", await w.AskAsync(People.Ana, "k8s-dev for 1h"));
        await w.DirectMessageAsync(People.Ana, "You have access to `k8s-dev`");
        w.Clock.Advance(TimeSpan.FromMinutes(61));
        await w.DirectMessageAsync(People.Ana, "Your access to `k8s-dev`");
        Assert.Equal([Standing], w.Slack.GroupMembers(DevEngineers));

        w.Slack.SetGroup(DevEngineers, Standing, People.Ana);   // someone adds her back by hand in Slack

        await ClockSteps.AdvanceUntilAsync(w.Clock.Advance, () => !w.Slack.GroupMembers(DevEngineers).Contains(People.Ana),
            // Reconciliation runs every 10 minutes of the bot's clock; on a busy machine a run can still be going
            // when the next falls due, so allow several runs (well inside the 24 hours leftovers are checked for).
            TimeSpan.FromMinutes(1), TimeSpan.FromHours(6), "reconciliation taking Ana out of the group");
        Assert.Equal([Standing], w.Slack.GroupMembers(DevEngineers));
    }
}
