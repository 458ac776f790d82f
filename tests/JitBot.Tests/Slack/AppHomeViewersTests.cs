using JitBot.Requests;
using JitBot.SlackApp;

namespace JitBot.Tests.Slack;

/// <summary>Who has the App Home open in this process, as the refresh after a notice sees it.</summary>
public sealed class AppHomeViewersTests
{
    readonly FakeTimeProvider time = new(Samples.Now);

    [Fact]
    public void AViewer_IsKeptForADayAfterOpening_WithWhatTheirPageShowedAsWaiting()
    {
        var viewers = new AppHomeViewers(time);
        viewers.Opened("U0ANA");
        viewers.Published("U0ANA", [new RequestId("req_000000000001")]);

        Assert.True(viewers.IsViewing("U0ANA"));
        Assert.False(viewers.IsViewing("U0BEN"));
        var (user, waiting) = Assert.Single(viewers.Current());
        Assert.Equal("U0ANA", user);
        Assert.Equal([new RequestId("req_000000000001")], waiting);

        time.Advance(AppHomeViewers.Keep - TimeSpan.FromSeconds(1));
        viewers.Published("U0ANA", []); // a refresh is not an opening: the day still runs from the last opening
        Assert.True(viewers.IsViewing("U0ANA"));
        Assert.Empty(viewers.Current()[0].Waiting);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(viewers.IsViewing("U0ANA"));
        Assert.Empty(viewers.Current());

        viewers.Opened("U0ANA"); // opened again: viewing again
        Assert.True(viewers.IsViewing("U0ANA"));
    }

    [Fact]
    public void AtMostMaxViewers_AreKept_TheLongestUnseenGoFirst()
    {
        var viewers = new AppHomeViewers(time);
        for (var i = 0; i <= AppHomeViewers.MaxViewers; i++)
        {
            viewers.Opened($"U{i:D8}");
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(AppHomeViewers.MaxViewers, viewers.Current().Count);
        Assert.False(viewers.IsViewing("U00000000"));
        Assert.True(viewers.IsViewing($"U{AppHomeViewers.MaxViewers:D8}"));
    }
}
