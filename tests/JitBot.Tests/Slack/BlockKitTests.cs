using System.Text.Json;
using JitBot.Slack;
using JitBot.Slack.BlockKit;

namespace JitBot.Tests.Slack;

public class BlockKitTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("<!channel> & <@U1>", "&lt;!channel&gt; &amp; &lt;@U1&gt;")]
    [InlineData("&lt;", "&amp;lt;")]
    [InlineData("*bold* _it_ `code`", "*bold* _it_ `code`")]
    [InlineData("", "")]
    public void Escape_ReplacesAmpersandFirst_ThenAngleBrackets(string input, string expected) =>
        Assert.Equal(expected, Mrkdwn.Escape(input));

    [Fact]
    public void Date_IsASlackDateToken_WithUtcFallback() =>
        Assert.Equal("<!date^1700000000^{date_short_pretty} at {time}|2023-11-14 22:13 UTC>",
            Mrkdwn.Date(DateTimeOffset.FromUnixTimeSeconds(1700000000)));

    [Theory]
    [InlineData("U123ABC", "<@U123ABC>")]
    [InlineData("<!channel>", "&lt;!channel&gt;")]
    public void User_MentionsIdsOnly(string id, string expected) => Assert.Equal(expected, Mrkdwn.User(id));

    [Theory]
    [InlineData("C0123", "<#C0123>")]
    [InlineData("#payments-approvals", "#payments-approvals")]
    [InlineData("payments-approvals", "#payments-approvals")]
    [InlineData("<!here>", "#&lt;!here&gt;")]
    public void Channel_MentionsIds_AndEscapesNames(string channel, string expected) => Assert.Equal(expected, Mrkdwn.Channel(channel));

    [Fact]
    public void UserGroup_MentionsGroupIds_ElseEscapedName()
    {
        Assert.Equal("<!subteam^S0123>", Mrkdwn.UserGroup("S0123", "@x"));
        Assert.Equal("@payments-oncall", Mrkdwn.UserGroup(null, "@payments-oncall"));
    }

    [Fact]
    public void Code_CannotBeBrokenOutOf() => Assert.Equal("`a'b &lt;!here&gt;`", Mrkdwn.Code("a`b <!here>"));

    [Fact]
    public void Truncate_NeverSplitsAnEntityOrToken()
    {
        var text = new string('x', 10) + "&amp;" + "<@U12345>";
        for (var max = 5; max < text.Length; max++)
        {
            var cut = Mrkdwn.Truncate(text, max);
            Assert.True(cut.Length <= max, $"max {max}: {cut}");
            Assert.EndsWith("…", cut);
            var body = cut[..^1];
            Assert.DoesNotMatch("&[a-z]*$", body);
            Assert.False(body.LastIndexOf('<') > body.LastIndexOf('>'), body);
        }
        Assert.Equal(text, Mrkdwn.Truncate(text, text.Length));
    }

    [Fact]
    public void Builders_RespectSlackLimits()
    {
        var longText = new string('a', 5000);
        var section = Blocks.Section(longText);
        Assert.Equal(BlockLimits.SectionText, section.Text!.Text.Length);
        Assert.Equal(BlockLimits.ButtonText, Blocks.Button(longText, "a").Text.Text.Length);
        Assert.Equal(BlockLimits.HeaderText, Blocks.Header(longText).Text.Text.Length);
        Assert.Equal(BlockLimits.Id, Blocks.Button("x", longText).ActionId.Length);
        Assert.Equal(BlockLimits.SectionFields, Blocks.Fields(Enumerable.Repeat("f", 20)).Fields!.Count);
        Assert.Equal(BlockLimits.BlocksPerMessage, Blocks.Message(Enumerable.Range(0, 80).Select(_ => (Block)Blocks.Divider())).Count);
        var confirm = Blocks.Confirm(longText, longText, longText, longText);
        Assert.Equal(BlockLimits.ConfirmTitle, confirm.Title.Text.Length);
        Assert.Equal(BlockLimits.ConfirmText, confirm.Text.Text.Length);
        Assert.Equal(BlockLimits.ConfirmButton, confirm.Confirm.Text.Length);
    }

    [Fact]
    public void Blocks_SerializeAsSlackExpects()
    {
        IReadOnlyList<Block> blocks =
        [
            Blocks.Header("Access request"),
            Blocks.Fields("*a*", "*b*"),
            Blocks.Actions("approval:req_1",
                Blocks.Button("Approve", "jitbot.approve", "req_1", "primary", Blocks.Confirm("Sure?", "Really?", "Yes", "No")),
                Blocks.Button("Deny", "jitbot.deny", "req_1", "danger")),
            Blocks.Context("ctx"),
            Blocks.Divider(),
        ];
        var json = JsonSerializer.Serialize(blocks, SlackJson.Options);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("header", root[0].GetProperty("type").GetString());
        Assert.Equal("plain_text", root[0].GetProperty("text").GetProperty("type").GetString());
        Assert.Equal("section", root[1].GetProperty("type").GetString());
        Assert.False(root[1].TryGetProperty("text", out _)); // nulls are left out
        Assert.Equal("mrkdwn", root[1].GetProperty("fields")[0].GetProperty("type").GetString());
        var actions = root[2];
        Assert.Equal("approval:req_1", actions.GetProperty("block_id").GetString());
        var approve = actions.GetProperty("elements")[0];
        Assert.Equal("button", approve.GetProperty("type").GetString());
        Assert.Equal("jitbot.approve", approve.GetProperty("action_id").GetString());
        Assert.Equal("primary", approve.GetProperty("style").GetString());
        Assert.Equal("Yes", approve.GetProperty("confirm").GetProperty("confirm").GetProperty("text").GetString());
        Assert.False(actions.GetProperty("elements")[1].TryGetProperty("confirm", out _));
        Assert.Equal("context", root[3].GetProperty("type").GetString());
        Assert.Equal("divider", root[4].GetProperty("type").GetString());
        Assert.Single(root[4].EnumerateObject());
    }
}
