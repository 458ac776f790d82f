using JitBot.LoadTest.Analysis;

namespace JitBot.LoadTest.Tests;

public class PercentilesTests
{
    [Fact]
    public void Nearest_rank_over_unsorted_values()
    {
        var p = new Percentiles(Enumerable.Range(1, 100).Reverse().Select(i => (double)i));

        Assert.Equal(50, p.At(0.50));
        Assert.Equal(90, p.At(0.90));
        Assert.Equal(99, p.At(0.99));
        Assert.Equal(100, p.Max);
        Assert.Equal("p50 0.05 s, p90 0.09 s, p99 0.10 s, max 0.10 s", p.Summary("s"));
    }

    [Fact]
    public void A_single_value_is_every_percentile_and_none_is_not_a_number()
    {
        Assert.Equal(7, new Percentiles([7]).At(0.01));
        Assert.True(double.IsNaN(new Percentiles([]).At(0.99)));
    }
}
