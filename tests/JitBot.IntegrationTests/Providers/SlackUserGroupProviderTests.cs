using JitBot.IntegrationTests.Infrastructure;
using JitBot.Providers;
using JitBot.Providers.SlackUserGroup;
using JitBot.Slack.Api;
using JitBot.SlackApp;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.Providers;

/// <summary>The slack-usergroup provider through the real Slack API client against the fake Slack's user groups.</summary>
public sealed class SlackUserGroupProviderTests : IAsyncLifetime
{
    const string Group = "S01DEVENG";
    const string Requester = "U0PAY0001";
    readonly FakeTimeProvider clock = new(ProviderTestKit.Start);
    FakeSlack slack = null!;
    IAccessProvider provider = null!;
    CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync()
    {
        slack = await FakeSlack.StartAsync();
        var client = new SlackApiClient(new HttpClient(), new SlackApiSettings(FakeSlack.Token, slack.ApiBaseUrl), clock);
        provider = ProviderTestKit.Create(new SlackUserGroupType(), new Dictionary<string, string?>(), clock,
            s => s.AddSingleton<ISlackApiClient>(client).AddSingleton<IUserGroupMembership, SlackUserGroupMembership>());
    }

    public async Task DisposeAsync() => await slack.DisposeAsync();

    static ProviderGrant Grant(string group = Group) =>
        ProviderTestKit.Grant(SlackUserGroupType.Name, new Dictionary<string, string> { ["group"] = group }, user: Requester);

    [Fact]
    public async Task Grant_AddsTheRequesterAndKeepsEveryoneElse()
    {
        slack.SetGroup(Group, "U0OWNER01", "U0OTHER01");

        var result = await provider.GrantAsync(Grant(), Ct);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(["U0OTHER01", "U0OWNER01", Requester], slack.GroupMembers(Group));
    }

    [Fact]
    public async Task Grant_WhenTheRequesterIsAlreadyInTheGroup_WritesNothing()
    {
        slack.SetGroup(Group, "U0OWNER01", Requester);

        var result = await provider.GrantAsync(Grant(), Ct);

        Assert.True(result.Succeeded, result.Error);
        Assert.Empty(slack.CallsTo("usergroups.users.update"));
    }

    [Fact]
    public async Task Revoke_RemovesOnlyTheRequester()
    {
        slack.SetGroup(Group, "U0OWNER01", Requester, "U0OTHER01");

        var result = await provider.RevokeAsync(Grant(), Ct);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(["U0OTHER01", "U0OWNER01"], slack.GroupMembers(Group));
    }

    [Fact]
    public async Task Grant_WhenAChangeMadeInSlackOverwritesIt_ReadsAgainAndAddsTheRequesterToTheNewerList()
    {
        slack.SetGroup(Group, "U0OWNER01");
        slack.RaceNextUpdate(Group, "U0OWNER01", "U0NEWHIRE");   // an admin's edit, made from the list before ours

        var result = await provider.GrantAsync(Grant(), Ct);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(["U0NEWHIRE", "U0OWNER01", Requester], slack.GroupMembers(Group));
        Assert.Equal(2, slack.CallsTo("usergroups.users.update").Count);
    }

    [Fact]
    public async Task Revoke_WhenAChangeMadeInSlackPutsTheRequesterBack_RemovesThemAgainKeepingTheNewMember()
    {
        slack.SetGroup(Group, "U0OWNER01", Requester);
        slack.RaceNextUpdate(Group, "U0OWNER01", Requester, "U0NEWHIRE");

        var result = await provider.RevokeAsync(Grant(), Ct);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(["U0NEWHIRE", "U0OWNER01"], slack.GroupMembers(Group));
    }

    [Fact]
    public async Task Grant_WhenSlackKeepsUndoingIt_FailsRetryablyAfterAFewTries()
    {
        slack.SetGroup(Group, "U0OWNER01");
        for (var i = 0; i < SlackUserGroupProvider.Attempts; i++) slack.RaceNextUpdate(Group, "U0OWNER01");

        var result = await provider.GrantAsync(Grant(), Ct);

        Assert.False(result.Succeeded);
        Assert.True(result.Retryable);
        Assert.Contains("kept changing", result.Error);
    }

    [Fact]
    public async Task Grant_ToAGroupSlackDoesNotHave_FailsNamingTheGroup()
    {
        var result = await provider.GrantAsync(Grant("S09GONE"), Ct);

        Assert.False(result.Succeeded);
        Assert.False(result.Retryable);
        Assert.Contains("Slack has no user group S09GONE", result.Error);
    }

    [Fact]
    public async Task Revoke_OfTheGroupsLastMember_FailsSayingToKeepAStandingMember()
    {
        slack.SetGroup(Group, Requester);

        var result = await provider.RevokeAsync(Grant(), Ct);

        Assert.False(result.Succeeded);
        Assert.Contains("last member", result.Error);
        Assert.Contains("standing member", result.Error);
        Assert.Empty(slack.CallsTo("usergroups.users.update"));
    }

    [Fact]
    public async Task Check_SaysWhetherTheRequesterIsInTheGroup()
    {
        slack.SetGroup(Group, "U0OWNER01", Requester);
        Assert.Equal(ProviderState.Granted, (await provider.CheckAsync(Grant(), Ct)).State);

        slack.SetGroup(Group, "U0OWNER01");
        Assert.Equal(ProviderState.NotGranted, (await provider.CheckAsync(Grant(), Ct)).State);
    }

    [Fact]
    public void TwoResourcesNamingOneGroup_ShareOneLedgerKey()
    {
        var a = ProviderTestKit.Grant(SlackUserGroupType.Name, new Dictionary<string, string> { ["group"] = Group }, resource: "k8s-dev");
        var b = ProviderTestKit.Grant(SlackUserGroupType.Name, new Dictionary<string, string> { ["group"] = Group }, resource: "analytics-dev");
        var c = ProviderTestKit.Grant(SlackUserGroupType.Name, new Dictionary<string, string> { ["group"] = "S01CIADMN" }, resource: "k8s-dev");

        Assert.Equal(a.AccessKey, b.AccessKey);
        Assert.NotEqual(a.AccessKey, c.AccessKey);
    }

    [Theory]
    [InlineData("@dev-engineers")]
    [InlineData("s01deveng")]
    public void Policy_GroupThatIsNotAUserGroupId_IsAProblem(string group)
    {
        var problems = ProviderTypes.Problems(new SlackUserGroupType(), new Dictionary<string, string> { ["group"] = group }).ToList();

        Assert.Contains(problems, p => p.Contains("Slack user group id", StringComparison.Ordinal));
    }
}
