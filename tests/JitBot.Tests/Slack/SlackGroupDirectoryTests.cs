using JitBot.Slack.Api;
using JitBot.SlackApp;
using NSubstitute;

namespace JitBot.Tests.Slack;

public class SlackGroupDirectoryTests
{
    readonly ISlackApiClient slack = Substitute.For<ISlackApiClient>();
    readonly IUserGroupsApi groups = Substitute.For<IUserGroupsApi>();
    readonly FakeTimeProvider time = new(Samples.Now);
    readonly List<string> members = ["U1"];

    public SlackGroupDirectoryTests()
    {
        slack.UserGroups.Returns(groups);
        groups.UsersListAsync("S1", Arg.Any<CancellationToken>()).Returns(_ => (IReadOnlyList<string>)members.ToList());
    }

    [Fact]
    public async Task GroupsOf_IsCachedBriefly()
    {
        var directory = new SlackGroupDirectory(slack, time, Microsoft.Extensions.Logging.Abstractions.NullLogger<SlackGroupDirectory>.Instance);
        Assert.Equal(["S1"], await directory.GroupsOfAsync("U1", ["S1"], CancellationToken.None));
        members.Remove("U1");
        Assert.Equal(["S1"], await directory.GroupsOfAsync("U1", ["S1"], CancellationToken.None));
        time.Advance(SlackGroupDirectory.CacheFor);
        Assert.Empty(await directory.GroupsOfAsync("U1", ["S1"], CancellationToken.None));
    }

    [Fact]
    public async Task IsMemberNow_NeverUsesTheCache()
    {
        var directory = new SlackGroupDirectory(slack, time, Microsoft.Extensions.Logging.Abstractions.NullLogger<SlackGroupDirectory>.Instance);
        Assert.True(await directory.IsMemberNowAsync("U1", "S1", CancellationToken.None));
        members.Remove("U1");
        Assert.False(await directory.IsMemberNowAsync("U1", "S1", CancellationToken.None));
        await groups.Received(2).UsersListAsync("S1", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task UnknownGroup_HasNoMembers()
    {
        groups.UsersListAsync("S4", Arg.Any<CancellationToken>()).Returns<IReadOnlyList<string>>(_ => throw new SlackApiException("usergroups.users.list", "no_such_subteam"));
        var directory = new SlackGroupDirectory(slack, time, Microsoft.Extensions.Logging.Abstractions.NullLogger<SlackGroupDirectory>.Instance);
        Assert.False(await directory.IsMemberNowAsync("U1", "S4", CancellationToken.None));
        Assert.Empty(await directory.GroupsOfAsync("U1", ["S4"], CancellationToken.None));
    }

    [Fact]
    public async Task IsMemberNow_WhenSlackFails_Throws_RatherThanSayingYes()
    {
        groups.UsersListAsync("S2", Arg.Any<CancellationToken>()).Returns<IReadOnlyList<string>>(_ => throw new SlackApiException("usergroups.users.list", "ratelimited"));
        var directory = new SlackGroupDirectory(slack, time, Microsoft.Extensions.Logging.Abstractions.NullLogger<SlackGroupDirectory>.Instance);
        await Assert.ThrowsAsync<SlackApiException>(() => directory.IsMemberNowAsync("U1", "S2", CancellationToken.None));
    }

    [Fact]
    public async Task GroupsOf_AfterAFailure_AsksSlackAgain()
    {
        var calls = 0;
        groups.UsersListAsync("S3", Arg.Any<CancellationToken>()).Returns<IReadOnlyList<string>>(_ =>
            ++calls == 1 ? throw new SlackApiException("usergroups.users.list", "ratelimited") : ["U1"]);
        var directory = new SlackGroupDirectory(slack, time, Microsoft.Extensions.Logging.Abstractions.NullLogger<SlackGroupDirectory>.Instance);
        await Assert.ThrowsAsync<SlackApiException>(() => directory.GroupsOfAsync("U1", ["S3"], CancellationToken.None));
        Assert.Equal(["S3"], await directory.GroupsOfAsync("U1", ["S3"], CancellationToken.None));
    }
}
