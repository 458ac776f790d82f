using JitBot.Requests;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;

namespace JitBot.SlackApp;

/// <summary>
/// The ephemeral answer to <c>/access list</c>: the person's active grants, pending requests, the approvals waiting
/// for them and what ended lately, one section each (within Slack's 3000 characters a section and 50 blocks a
/// message; what does not fit is counted as "…and N more").
/// </summary>
public static class AccessListReply
{
    /// <summary>Characters of one list section (Slack allows 3000).</summary>
    const int SectionBudget = 2800;

    /// <summary>Characters of the recent section, the least urgent one.</summary>
    const int RecentBudget = 2000;

    public static CommandReply Trouble() =>
        new(":warning: JitBot could not read your grants and requests just now. Try again in a minute; if it keeps failing, tell the team that runs JitBot.");

    public static CommandReply Build(MyAccessSnapshot snapshot)
    {
        var now = snapshot.Now;
        var blocks = new List<Block>();
        if (!snapshot.Active.IsEmpty)
            blocks.Add(Blocks.Section(MyAccessLines.Section(":unlock: Active grants", snapshot.Active.Items.Select(g => MyAccessLines.Active(g, now)).ToList(),
                snapshot.Active.More, SectionBudget)));
        if (!snapshot.Pending.IsEmpty)
            blocks.Add(Blocks.Section(MyAccessLines.Section(":hourglass_flowing_sand: Your pending requests",
                snapshot.Pending.Items.Select(r => MyAccessLines.Pending(r, now)).ToList(), snapshot.Pending.More, SectionBudget)));
        if (!snapshot.WaitingForMe.IsEmpty)
            blocks.Add(Blocks.Section(MyAccessLines.Section(":raised_hand: Waiting for your approval",
                snapshot.WaitingForMe.Items.Select(r => MyAccessLines.Waiting(r, now)).ToList(), snapshot.WaitingForMe.More, SectionBudget)));
        if (snapshot.ApproverGroupsUnknown)
            blocks.Add(Blocks.Context(GroupsUnknown));
        if (!snapshot.Recent.IsEmpty)
            blocks.Add(Blocks.Section(MyAccessLines.Section($"Ended in the last {RecentDays} days",
                snapshot.Recent.Items.Select(r => MyAccessLines.Recent(r, now)).ToList(), snapshot.Recent.More, RecentBudget)));

        if (snapshot.IsEmpty)
        {
            blocks.Insert(0, Blocks.Section(Empty));
            return new CommandReply(Empty, Blocks.Message(blocks));
        }
        blocks.Add(Blocks.Context(Hint));
        return new CommandReply($"Your access: {MyAccessLines.Summary(snapshot)}.", Blocks.Message(blocks));
    }

    static int RecentDays => (int)MyAccess.RecentWindow.TotalDays;

    /// <summary>What the list says when there is nothing to show, and what to do instead.</summary>
    public static string Empty =>
        Mrkdwn.Escape($"You have no active grants, no pending requests and nothing that ended in the last {RecentDays} days, and no approvals wait for you. " +
                      "`/access resources` shows what you can ask for; `/access <resource> for 1h because <reason>` asks.");

    public const string GroupsUnknown =
        ":warning: JitBot could not check your Slack user groups just now, so requests waiting for a group you are in may be missing. Try again in a minute.";

    static readonly string Hint = Mrkdwn.Escape("Type the short ids: `/access extend <grant> by 1h`, `/access revoke <grant>`. Times are in your time zone.");
}
