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

    [Theory]
    [InlineData("payments-db-dev for \u0661h")]
    [InlineData("payments-db-dev for \uFF11h")]
    public void NonAsciiDigitsInDuration_AreExplained_NotThrown(string text) =>
        Assert.Contains("digits 0-9", Invalid(text));

    [Fact]
    public void SubMinuteDuration_IsRefused_AskingForAtLeastAMinute() =>
        Assert.Contains("Ask for at least a minute", Invalid("payments-db for 20s because x"));

    [Theory]
    [InlineData("\u202E")] // right-to-left override
    [InlineData("\u202A")] // left-to-right embedding
    [InlineData("\u2066")] // left-to-right isolate
    [InlineData("\u2069")] // pop directional isolate
    [InlineData("\u200B")] // zero-width space
    [InlineData("\u200D")] // zero-width joiner
    [InlineData("\u200F")] // right-to-left mark
    [InlineData("\u2060")] // word joiner
    [InlineData("\uFEFF")] // byte order mark
    [InlineData("\u00AD")] // soft hyphen
    [InlineData("\u0007")] // bell
    [InlineData("\u001B")] // escape
    [InlineData("\U000E0041")] // tag latin capital A
    public void InvisibleCharactersInReason_AreRemoved(string invisible) =>
        Assert.Equal("INC-12 fix payouts", Request($"db because INC-12 {invisible}fix pay{invisible}outs{invisible}").Reason);

    [Fact]
    public void TabsAndLineBreaksInReason_BecomeSpaces() =>
        Assert.Equal("INC-12 fix payouts now", Request("db because INC-12\tfix\r\npayouts\u0085now").Reason);

    [Fact]
    public void ReasonWithEmojiAndAccents_IsKept() =>
        Assert.Equal("café 🔥 payouts", Request("db because café 🔥 payouts").Reason);

    [Fact]
    public void InvisibleCharactersInResource_AreRemoved() =>
        Assert.Equal("payments-db", Request("pay\u200Bments-db\u202E for 1h").ResourceId);

    [Fact]
    public void Help_ExamplesUseTheGivenResources()
    {
        var help = AccessHelp.Text("/access", ["ledger-db", "wiki-admin"]);
        Assert.Contains("/access <resource> [for <duration>] [because <reason>]", help);
        Assert.Contains("`/access ledger-db for 1h because", help);
        Assert.Contains("`/access wiki-admin` (the policy's default duration", help);
        Assert.DoesNotContain("payments-db", help);
        Assert.DoesNotContain("staging-k8s", help);
        Assert.DoesNotContain("grafana-admin", help);
    }

    [Fact]
    public void Help_WithoutResources_GivesGenericExamples()
    {
        var help = AccessHelp.Text("/access", []);
        Assert.Contains("`/access <resource> for 1h because", help);
        Assert.Contains("No resource in the policy is open to you", help);
        Assert.DoesNotContain("staging-k8s", help);
    }
}
