using JitBot.Commands;

namespace JitBot.Tests.Commands;

public class AccessCommandParserTests
{
    static AccessCommand.Request Request(string text) => Assert.IsType<AccessCommand.Request>(AccessCommandParser.Parse(text));
    static string Invalid(string text) => Assert.IsType<AccessCommand.Invalid>(AccessCommandParser.Parse(text)).Message;

    [Fact]
    public void FullCommand_IsRead()
    {
        var r = Request("payments-db for 2h because INC-4312 payouts stuck");
        Assert.Equal("payments-db", r.ResourceId);
        Assert.Equal(TimeSpan.FromHours(2), r.Duration);
        Assert.Equal("INC-4312 payouts stuck", r.Reason);
    }

    [Fact]
    public void ResourceAlone_HasNoDurationNorReason()
    {
        var r = Request("  grafana-admin  ");
        Assert.Equal("grafana-admin", r.ResourceId);
        Assert.Null(r.Duration);
        Assert.Null(r.Reason);
    }

    [Theory]
    [InlineData("db for 90 minutes", 90)]
    [InlineData("db for 1h30m", 90)]
    [InlineData("db for 1 hour 30 minutes because x", 90)]
    [InlineData("db FOR 30m BECAUSE x", 30)]
    [InlineData("db 45m because x", 45)]
    public void Durations_AreReadAsPeopleTypeThem(string text, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), Request(text).Duration);

    [Fact]
    public void ReasonBeforeDuration_KeepsEverythingAfterBecause()
    {
        var r = Request("db because waiting for deploy for 2h");
        Assert.Null(r.Duration);
        Assert.Equal("waiting for deploy for 2h", r.Reason);
    }

    [Fact]
    public void EscapedMentionsInReason_BecomeReadableText()
    {
        var r = Request("db for 1h because <@U123ABC|worf> asked in <#C0123|incidents> for <!subteam^S1|@sre> see <https://x.example/INC-1|INC-1>");
        Assert.Equal("worf asked in #incidents for @sre see INC-1 (https://x.example/INC-1)".Insert(0, "@"), r.Reason);
    }

    [Fact]
    public void MentionsWithoutNames_KeepTheirIds()
    {
        Assert.Equal("ping @U123 in #C9", Request("db because ping <@U123> in <#C9|>").Reason);
    }

    [Fact]
    public void SpecialMentions_AreDefused() =>
        Assert.Equal("@channel @here look", Request("db because <!channel> <!here> look").Reason);

    [Fact]
    public void SlackEntities_AreDecodedOnce() =>
        Assert.Equal("a < b && c > d &amp;", Request("db because a &lt; b &amp;&amp; c &gt; d &amp;amp;").Reason);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_IsHelp_ForNow(string text) =>
        Assert.True(Assert.IsType<AccessCommand.Help>(AccessCommandParser.Parse(text)).Empty);

    [Theory]
    [InlineData("help")]
    [InlineData("HELP")]
    [InlineData("?")]
    public void Help_IsHelp(string text) => Assert.False(Assert.IsType<AccessCommand.Help>(AccessCommandParser.Parse(text)).Empty);

    [Fact]
    public void ForWithoutDuration_SaysWhatToType() =>
        Assert.Contains("Say how long after \"for\"", Invalid("db for because x"));

    [Fact]
    public void ForAtTheEnd_SaysWhatToType() => Assert.Contains("/access db for 2h", Invalid("db for"));

    [Fact]
    public void BecauseWithoutReason_SaysWhatToType() => Assert.Contains("Say why after \"because\"", Invalid("db for 2h because   "));

    [Fact]
    public void BadDuration_GivesTheDurationSentence() => Assert.Contains("is not a duration", Invalid("db for ages because x"));

    [Fact]
    public void AbsurdDuration_IsRefused() => Assert.Contains("more than a year", Invalid("db for 400d"));

    [Fact]
    public void StrayWords_SaySomethingUseful() => Assert.Contains("/access <resource> [for <duration>] [because <reason>]", Invalid("db please now"));

    [Theory]
    [InlineData("for 2h")]
    [InlineData("because x")]
    public void MissingResource_SaysToStartWithIt(string text) => Assert.Contains("Start with the resource", Invalid(text));

    [Fact]
    public void ResourceThatIsNoId_IsRefused() => Assert.Contains("is not a resource id", Invalid("<!channel> for 2h"));

    [Fact]
    public void ResourceTypedAsChannelMention_UsesItsName() => Assert.Equal("payments-db", Request("<#C1|payments-db> for 1h").ResourceId);

    [Fact]
    public void ResourceInBackticks_IsAccepted() => Assert.Equal("payments-db", Request("`payments-db`").ResourceId);

    [Fact]
    public void OverlongReason_IsRefused() =>
        Assert.Contains("keep it under", Invalid("db because " + new string('x', AccessCommandParser.MaxReasonLength + 1)));

    [Fact]
    public void Help_ExplainsTheGrammarWithExamples()
    {
        var help = AccessHelp.Text();
        Assert.Contains("/access <resource> [for <duration>] [because <reason>]", help);
        Assert.Contains("/access payments-db for 2h because", help);
    }
}
