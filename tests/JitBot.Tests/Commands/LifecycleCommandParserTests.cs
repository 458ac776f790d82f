using JitBot.Commands;

namespace JitBot.Tests.Commands;

/// <summary>The grammar of list, resources, explain, revoke and extend, and what it leaves to resource requests.</summary>
public class LifecycleCommandParserTests
{
    static AccessCommand Parse(string text) => AccessCommandParser.Parse(text);
    static string Invalid(string text) => Assert.IsType<AccessCommand.Invalid>(Parse(text)).Message;

    [Theory]
    [InlineData("list")]
    [InlineData("  LIST ")]
    public void List_IsRead(string text) => Assert.IsType<AccessCommand.List>(Parse(text));

    [Fact]
    public void List_WithMoreAfterIt_SaysItTakesNothing() =>
        Assert.Equal("`/access list` takes nothing after it: it shows your requests and grants.", Invalid("list everything"));

    [Fact]
    public void Resources_AloneOrWithTagFilters()
    {
        Assert.Empty(Assert.IsType<AccessCommand.Resources>(Parse("resources")).Filters);
        var filtered = Assert.IsType<AccessCommand.Resources>(Parse("resources env:prod owner-team=payments `data-class:restricted`"));
        Assert.Equal([("env", "prod"), ("owner-team", "payments"), ("data-class", "restricted")], filtered.Filters);
        Assert.Equal(new AccessCommand.Resources([("env", "prod")]), Parse("Resources env:prod"));
    }

    [Theory]
    [InlineData("resources prod")]
    [InlineData("resources env:")]
    [InlineData("resources :prod")]
    [InlineData("resources env:<@U1>")]
    public void Resources_WithSomethingThatIsNotAFilter_SaysHowToFilter(string text) =>
        Assert.Contains("is not a filter. Filter with tags, e.g. `/access resources env:prod team:payments`", Invalid(text));

    [Fact]
    public void Explain_TakesAResourceAndAnOptionalDuration()
    {
        Assert.Equal(new AccessCommand.Explain("payments-db", null), Parse("explain payments-db"));
        Assert.Equal(new AccessCommand.Explain("payments-db", TimeSpan.FromHours(2)), Parse("explain `payments-db` for 2h"));
        Assert.Equal(new AccessCommand.Explain("payments-db", TimeSpan.FromMinutes(90)), Parse("EXPLAIN payments-db 1h30m"));
    }

    [Theory]
    [InlineData("explain", "Say which resource to explain, e.g. `/access explain payments-db for 2h`")]
    [InlineData("explain payments-db for 2h because x", "`/access explain` takes no reason")]
    [InlineData("explain payments-db for 0m", "at least")]
    [InlineData("explain payments-db for", "Say how long after \"for\"")]
    public void Explain_BadInput_SaysWhatToType(string text, string says) => Assert.Contains(says, Invalid(text));

    [Fact]
    public void Revoke_TakesAGrantAndAnOptionalReason()
    {
        Assert.Equal(new AccessCommand.Revoke("p3n8d2", null), Parse("revoke p3n8d2"));
        Assert.Equal(new AccessCommand.Revoke("`grt_p3n8d2w6z0ab`", "done early"), Parse("revoke `grt_p3n8d2w6z0ab` because done early"));
        Assert.Equal("done early, @worf agreed", ((AccessCommand.Revoke)Parse("revoke p3n8 because done early, <@U1|worf> agreed")).Reason);
    }

    [Theory]
    [InlineData("revoke", "Say which grant to end, e.g. `/access revoke p3n8d2`")]
    [InlineData("revoke because done", "Say which grant to end")]
    [InlineData("revoke p3n8d2 because", "Say why after \"because\"")]
    [InlineData("revoke p3n8d2 now please", "Type the grant's id and then, if you like, why")]
    public void Revoke_BadInput_SaysWhatToType(string text, string says) => Assert.Contains(says, Invalid(text));

    [Fact]
    public void Extend_TakesAGrant_AnOptionalAmount_AndAnOptionalReason()
    {
        Assert.Equal(new AccessCommand.Extend("p3n8d2", null, null), Parse("extend p3n8d2"));
        Assert.Equal(new AccessCommand.Extend("p3n8d2", TimeSpan.FromHours(1), null), Parse("extend p3n8d2 by 1h"));
        Assert.Equal(new AccessCommand.Extend("p3n8d2", TimeSpan.FromMinutes(30), null), Parse("extend p3n8d2 for 30 minutes"));
        Assert.Equal(new AccessCommand.Extend("p3n8d2", TimeSpan.FromMinutes(45), "migration runs long"), Parse("Extend p3n8d2 45m because migration runs long"));
        Assert.Equal(new AccessCommand.Extend("p3n8d2", null, "still debugging"), Parse("extend p3n8d2 because still debugging"));
    }

    [Theory]
    [InlineData("extend", "Say which grant to extend, e.g. `/access extend p3n8d2 by 1h`")]
    [InlineData("extend by 1h", "Say which grant to extend")]
    [InlineData("extend p3n8d2 by", "Say how much longer after \"by\", e.g. `/access extend p3n8d2 by 1h`")]
    [InlineData("extend p3n8d2 by 90s", "whole minutes")]
    [InlineData("extend p3n8d2 by 1h because", "Say why after \"because\"")]
    public void Extend_BadInput_SaysWhatToType(string text, string says) => Assert.Contains(says, Invalid(text));

    [Fact]
    public void ResourceRequests_StillWork_IncludingResourcesThatOnlyStartWithAKeyword()
    {
        Assert.Equal(new AccessCommand.Request("payments-db", TimeSpan.FromHours(2), "x"), Parse("payments-db for 2h because x"));
        Assert.Equal(new AccessCommand.Request("list-service", null, null), Parse("list-service"));
        Assert.Equal(new AccessCommand.Request("extend-db", TimeSpan.FromHours(1), null), Parse("extend-db for 1h"));
        Assert.Equal(new AccessCommand.Request("resources-admin", null, null), Parse("resources-admin"));
    }

    [Fact]
    public void Keywords_AreTheWordsThatCannotBeAskedForByName()
    {
        Assert.Equal(["help", "incident", "list", "resources", "explain", "revoke", "extend", "audit"], AccessCommandParser.Keywords);
        foreach (var keyword in AccessCommandParser.Keywords)
            Assert.IsNotType<AccessCommand.Request>(Parse(keyword + " for 2h"));
    }

    [Fact]
    public void Audit_TakesAResourceOrAMentionedPerson()
    {
        Assert.Equal(new AccessCommand.Audit("payments-db", null), Parse("audit payments-db"));
        Assert.Equal(new AccessCommand.Audit(null, "U0ABC123"), Parse("audit <@U0ABC123|alice>"));
        Assert.Equal(new AccessCommand.Audit(null, "U0ABC123"), Parse("audit <@U0ABC123>"));
        Assert.IsType<AccessCommand.Invalid>(Parse("audit"));
        Assert.IsType<AccessCommand.Invalid>(Parse("audit @alice"));
        Assert.IsType<AccessCommand.Invalid>(Parse("audit a b"));
    }

    [Fact]
    public void Help_NamesEveryCommand()
    {
        var help = AccessHelp.Text("/access", ["payments-db"]);
        foreach (var command in new[] { "/access list", "/access resources [tag:value …]", "/access explain <resource> [for 2h]",
                     "/access extend <grant> [by 1h] [because <reason>]", "/access revoke <grant> [because <reason>]" })
            Assert.Contains(command, help);
    }
}
