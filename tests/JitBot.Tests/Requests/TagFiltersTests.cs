using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Policies;

namespace JitBot.Tests.Requests;

public class TagFiltersTests
{
    static readonly ResourceInfo Db = new("payments-db", "Payments DB",
        new Dictionary<string, string> { ["env"] = "production", ["owner-team"] = "payments", ["kind"] = "database" },
        "payments", new ProviderSettings("record", new Dictionary<string, string>()));

    [Theory]
    [InlineData("env", "production", true)]
    [InlineData("ENV", "Production", true)]
    [InlineData("env", "prod*", true)]
    [InlineData("env", "*duct*", true)]
    [InlineData("kind", "*", true)]
    [InlineData("env", "prod", false)]
    [InlineData("env", "staging", false)]
    [InlineData("region", "*", false)]
    [InlineData("id", "payments-*", true)]
    [InlineData("id", "ledger-db", false)]
    public void OneFilter(string tag, string value, bool matches) => Assert.Equal(matches, new TagFilters([(tag, value)]).Match(Db));

    [Fact]
    public void AllFiltersMustHold()
    {
        Assert.True(new TagFilters([("env", "production"), ("kind", "database")]).Match(Db));
        Assert.False(new TagFilters([("env", "production"), ("kind", "queue")]).Match(Db));
        Assert.True(TagFilters.None.Match(Db));
    }

    [Theory]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    [InlineData("**", "", true)]
    [InlineData("", "x", false)]
    [InlineData("*a", "bbbbba", true)]
    public void Globs(string pattern, string value, bool matches) => Assert.Equal(matches, TagFilters.Glob(pattern, value));

    [Fact]
    public void AFilterThatMatchesNothing_IsNamed_WithTheValuesOrTagsThatExist()
    {
        var policy = Policy.Load("rules: []");

        var value = new TagFilters([("owner-team", "payments"), ("env", "prod")]).FirstUnmatched(policy)!.Value;
        var tag = new TagFilters([("envv", "production")]).FirstUnmatched(policy)!.Value;

        Assert.Equal(("env", "prod", false), (value.Tag, value.Value, value.UnknownTag));
        Assert.Equal(["dev", "production"], value.Known);
        Assert.True(tag.UnknownTag);
        Assert.Contains("env", tag.Known);
        Assert.Contains("id", tag.Known);
        Assert.Null(new TagFilters([("env", "dev")]).FirstUnmatched(policy));
    }
}
