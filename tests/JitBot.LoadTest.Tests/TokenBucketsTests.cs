using JitBot.LoadTest.FakeSlack;

namespace JitBot.LoadTest.Tests;

public class TokenBucketsTests
{
    [Fact]
    public void A_burst_goes_through_then_one_a_second_per_key()
    {
        var limits = new TokenBuckets(perSecond: 1, burst: 3);

        Assert.All(Enumerable.Range(0, 3), _ => Assert.Equal(0, limits.Take("chat.postMessage C1", 10_000)));
        Assert.Equal(1000, limits.Take("chat.postMessage C1", 10_000), 3);
        Assert.Equal(0, limits.Take("chat.postMessage C2", 10_000));   // another channel has its own bucket
        Assert.Equal(500, limits.Take("chat.postMessage C1", 10_500), 3);
        Assert.Equal(0, limits.Take("chat.postMessage C1", 11_000));
        Assert.True(limits.Take("chat.postMessage C1", 11_000) > 0);
    }

    [Fact]
    public void The_earliest_times_through_the_limit_after_a_burst_are_one_second_apart()
    {
        var through = TokenBuckets.EarliestThrough([0, 0, 0, 0, 0, 2_500], perSecond: 1, burst: 3);

        Assert.Equal([0, 0, 0, 1_000, 2_000, 3_000], through);
    }
}
