using JitBot.Commands;

namespace JitBot.Tests.Commands;

public class IncidentCommandParserTests
{
    [Theory]
    [InlineData("incident")]
    [InlineData("Incident")]
    [InlineData("  incident  ")]
    public void Incident_Alone_ShowsTheChannelsIncident(string text) =>
        Assert.IsType<AccessCommand.IncidentShow>(AccessCommandParser.Parse(text));

    [Theory]
    [InlineData("incident start", null, null)]
    [InlineData("incident start INC-123", "INC-123", null)]
    [InlineData("incident start INC-123 for 8h", "INC-123", 480)]
    [InlineData("incident start for 2h", null, 120)]
    [InlineData("incident START payments-outage for 1h30m", "payments-outage", 90)]
    [InlineData("incident open INC-9", "INC-9", null)]
    public void Start_TakesAnOptionalLabelAndLength(string text, string? label, int? minutes)
    {
        var start = Assert.IsType<AccessCommand.IncidentStart>(AccessCommandParser.Parse(text));
        Assert.Equal(label, start.Label);
        Assert.Equal(minutes is { } m ? TimeSpan.FromMinutes(m) : null, start.Length);
    }

    [Theory]
    [InlineData("incident start <script>", "is not an incident label")]
    [InlineData("incident start *bold*", "is not an incident label")]
    [InlineData("incident start INC-1234567890123456789012345678901234567890", "is not an incident label")]
    [InlineData("incident start INC-1 for", "Say how long")]
    [InlineData("incident start INC-1 8h", "Say how long")]
    [InlineData("incident start INC-1 for soon", "soon")]
    [InlineData("incident end now please", "takes nothing after it")]
    [InlineData("incident grant", "Say which resource")]
    [InlineData("incident grant for 2h", "Start with the resource")]
    [InlineData("incident grant payments-db for ever", "ever")]
    [InlineData("incident pause", "I know these incident commands")]
    public void BadInput_SaysWhatToTypeInstead(string text, string expected)
    {
        var invalid = Assert.IsType<AccessCommand.Invalid>(AccessCommandParser.Parse(text));
        Assert.Contains(expected, invalid.Message);
    }

    [Theory]
    [InlineData("incident end")]
    [InlineData("incident close")]
    public void End_EndsTheChannelsIncident(string text) =>
        Assert.IsType<AccessCommand.IncidentEnd>(AccessCommandParser.Parse(text));

    [Fact]
    public void Grant_ReadsTheResourceDurationAndReason_AsARequestDoes()
    {
        var grant = Assert.IsType<AccessCommand.IncidentGrant>(AccessCommandParser.Parse("incident grant payments-api-prod for 2h because INC-4312 <@U1|kirk> on it"));
        Assert.Equal("payments-api-prod", grant.ResourceId);
        Assert.Equal(TimeSpan.FromHours(2), grant.Duration);
        Assert.Equal("INC-4312 @kirk on it", grant.Reason);

        var bare = Assert.IsType<AccessCommand.IncidentGrant>(AccessCommandParser.Parse("incident grant k8s-prod"));
        Assert.Null(bare.Duration);
        Assert.Null(bare.Reason);
    }

    [Fact]
    public void Help_NamesTheIncidentCommands()
    {
        var help = AccessHelp.Text("/access", ["payments-db"]);
        Assert.Contains("/access incident start [INC-123] [for 8h]", help);
        Assert.Contains("/access incident grant <resource> [for 2h]", help);
        Assert.Contains("/access incident end", help);
    }
}
