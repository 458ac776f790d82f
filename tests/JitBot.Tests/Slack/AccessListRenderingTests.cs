using System.Text.Json.Nodes;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack;
using JitBot.Slack.BlockKit;
using JitBot.SlackApp;

namespace JitBot.Tests.Slack;

/// <summary><c>/access list</c> and the App Home drawn from one <see cref="MyAccessSnapshot"/>, within Slack's limits.</summary>
public sealed class AccessListRenderingTests
{
    static readonly DateTimeOffset Now = Samples.Now;

    static Grant Grant(int i) => new(new GrantId($"grt_g{i:D11}"), new RequestId($"req_g{i:D11}"), "U0ME", "payments-db-" + i,
        Now.AddHours(-1), Now.AddMinutes(30 + i), GrantState.Active, null);

    static AccessRequest Request(int i, string requester, RequestState state, string reason) =>
        Samples.Request(state, Samples.Decision(DecisionOutcome.ApprovalRequired, Samples.Plan()), reason) with
        {
            Id = new RequestId($"req_r{i:D11}"),
            RequesterId = requester,
            CreatedAt = Now.AddMinutes(-i),
            DecidedAt = state == RequestState.Pending ? null : Now.AddMinutes(-i),
        };

    /// <summary>A person with everything at once: more than each list holds, and reasons as long as a reason may be.</summary>
    static MyAccessSnapshot Busy()
    {
        var longReason = "<!channel> " + new string('x', 990);
        var grants = Enumerable.Range(0, 25).Select(Grant).ToList();
        var pending = Enumerable.Range(0, 25).Select(i => Request(i, "U0ME", RequestState.Pending, longReason)).ToList();
        var waiting = Enumerable.Range(100, 25).Select(i => Request(i, "U0OTHER", RequestState.Pending, longReason)).ToList();
        var recent = Enumerable.Range(200, 25).Select(i => new RecentAccess(Request(i, "U0ME", RequestState.Denied, longReason), null, Now.AddMinutes(-i))).ToList();
        return new MyAccessSnapshot("U0ME", Now, Capped<AccessRequest>.Of(pending, MyAccess.Cap), Capped<Grant>.Of(grants, MyAccess.Cap),
            Capped<RecentAccess>.Of(recent, MyAccess.Cap), Capped<AccessRequest>.Of(waiting, MyAccess.Cap), ApproverGroupsUnknown: true);
    }

    static MyAccessSnapshot Nothing() =>
        new("U0ME", Now, Capped<AccessRequest>.Of([], 20), Capped<Grant>.Of([], 20), Capped<RecentAccess>.Of([], 20), Capped<AccessRequest>.Of([], 20), false);

    static JsonArray BlocksOf<T>(T value) => (JsonArray)JsonNode.Parse(SlackJson.Serialize(value))!["blocks"]!;

    static IEnumerable<string> SectionTexts(JsonArray blocks) =>
        blocks.Select(b => (string?)b!["text"]?["text"]).OfType<string>();

    [Fact]
    public void List_KeepsEverySectionWithinSlacksLimits_AndCountsWhatDoesNotFit()
    {
        var reply = AccessListReply.Build(Busy());
        var blocks = BlocksOf(reply);

        Assert.InRange(blocks.Count, 1, BlockLimits.BlocksPerMessage);
        Assert.All(SectionTexts(blocks), t => Assert.InRange(t.Length, 1, BlockLimits.SectionText));
        var all = string.Join("\n", SectionTexts(blocks));
        // 25 of each, 20 read: every section says how many more there are, beyond what it shows.
        var sections = SectionTexts(blocks).Where(t => t.Contains("\n• ")).ToList();
        Assert.Equal(4, sections.Count);
        foreach (var section in sections)
        {
            var shown = section.Split("\n• ").Length - 1;
            Assert.InRange(shown, 1, MyAccess.Cap);
            Assert.Contains($"…and {25 - shown} more", section);
        }
        Assert.DoesNotContain("<!channel>", all);
        Assert.Contains("&lt;!channel&gt;", all);
        Assert.Contains(AccessListReply.GroupsUnknown, blocks.ToJsonString().Replace("\\u0027", "'"));
        Assert.Equal("Your access: 25 active grants, 25 pending requests, 25 approvals waiting for you and 25 recent items.", reply.Text);
    }

    [Fact]
    public void List_WithNothing_SaysWhatToDo()
    {
        var reply = AccessListReply.Build(Nothing());

        var text = Assert.Single(SectionTexts(BlocksOf(reply)));
        Assert.Contains("`/access resources` shows what you can ask for", text);
        Assert.Contains("`/access &lt;resource&gt; for 1h because &lt;reason&gt;` asks", text);
    }

    [Fact]
    public void Home_ShowsButtonsForTheFirstGrants_WithTheFullGrantId_WithinAViewsLimits()
    {
        var view = AppHomeView.Build(Busy());
        var blocks = BlocksOf(view);

        Assert.Equal("home", view.Type);
        Assert.InRange(blocks.Count, 1, ViewLimits.BlocksPerView);
        Assert.All(SectionTexts(blocks), t => Assert.InRange(t.Length, 1, BlockLimits.SectionText));
        var buttons = blocks.Where(b => (string?)b!["type"] == "actions").SelectMany(b => b!["elements"]!.AsArray()).ToList();
        Assert.Single(buttons, b => (string?)b!["action_id"] == AppHomeView.RequestAccessActionId);
        var revokes = buttons.Where(b => (string?)b!["action_id"] == AppHomeView.RevokeActionId).ToList();
        Assert.Equal(AppHomeView.GrantsWithButtons, revokes.Count);
        Assert.Equal("grt_g00000000000", (string?)revokes[0]!["value"]);
        Assert.Equal(AppHomeView.GrantsWithButtons, buttons.Count(b => (string?)b!["action_id"] == AppHomeView.ExtendActionId));
        Assert.Contains(blocks, b => (string?)b!["type"] == "context" && ((string?)b!["elements"]![0]!["text"])!.StartsWith("…and 10 more", StringComparison.Ordinal));
        var blockIds = blocks.Select(b => (string?)b!["block_id"]).OfType<string>().ToList();
        Assert.Equal(blockIds.Count, blockIds.Distinct().Count());
    }

    [Fact]
    public void Home_WithNothing_StillOffersTheRequestButton_AndNoApproverSection()
    {
        var blocks = BlocksOf(AppHomeView.Build(Nothing()));

        Assert.Contains(blocks, b => (string?)b!["elements"]?[0]?["action_id"] == AppHomeView.RequestAccessActionId);
        Assert.DoesNotContain(SectionTexts(blocks), t => t.Contains("Waiting for your approval"));
        Assert.DoesNotContain(blocks.ToJsonString(), AppHomeView.RevokeActionId);
    }
}
