using JitBot.Requests;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// The App Home tab (<c>views.publish</c>): a "Request access" button, the person's active grants with time left and
/// Extend / Revoke now buttons, their pending requests, the approvals waiting for them, and what ended lately. Built
/// from the same <see cref="MyAccessSnapshot"/> as <c>/access list</c>, within Slack's limits (100 blocks a view,
/// 3000 characters a section).
/// </summary>
public static class AppHomeView
{
    /// <summary>The "Request access" button; its click opens the request form (handled where the form lives).</summary>
    public const string RequestAccessActionId = RequestForm.OpenActionId;

    /// <summary>A grant's "Revoke now" button; its value is the full grant id.</summary>
    public const string RevokeActionId = GrantButtons.RevokeActionId;

    /// <summary>A grant's "Extend" button; its value is the full grant id.</summary>
    public const string ExtendActionId = GrantButtons.ExtendActionId;

    /// <summary>The most grants shown with their own buttons (two blocks each); the rest are counted.</summary>
    public const int GrantsWithButtons = 15;

    const int SectionBudget = 2800;

    /// <param name="extendStep">What a grant's Extend button asks for (the resource's <c>extend.default</c>, else an hour).</param>
    public static View Build(MyAccessSnapshot snapshot, Func<string, TimeSpan>? extendStep = null)
    {
        var now = snapshot.Now;
        var blocks = new List<Block?>
        {
            Blocks.Header("Your access"),
            Blocks.Section("Ask for time-limited access: the policy decides, approvers click, and the access ends by itself."),
            Blocks.Actions("home.request", Blocks.Button("Request access", RequestAccessActionId, style: "primary")),
            Blocks.Divider(),
            Blocks.Header("Active grants"),
        };
        if (snapshot.Active.IsEmpty) blocks.Add(Blocks.Context("_None._"));
        foreach (var grant in snapshot.Active.Items.Take(GrantsWithButtons))
        {
            blocks.Add(Blocks.Section(MyAccessLines.Active(grant, now)));
            blocks.Add(GrantButtons.For(grant.Id, grant.ResourceId, extendStep?.Invoke(grant.ResourceId) ?? Grants.ExtensionRules.DefaultStep(null)));
        }
        if (Math.Max(0, snapshot.Active.Items.Count - GrantsWithButtons) + snapshot.Active.More is > 0 and var moreGrants)
            blocks.Add(Blocks.Context($"…and {moreGrants} more: `/access list` shows them all."));

        blocks.Add(Blocks.Divider());
        blocks.Add(Blocks.Section(snapshot.Pending.IsEmpty
            ? "*Your pending requests*\n_None._"
            : MyAccessLines.Section("Your pending requests", snapshot.Pending.Items.Select(r => MyAccessLines.Pending(r, now)).ToList(),
                snapshot.Pending.More, SectionBudget, ": `/access list`")));

        if (!snapshot.WaitingForMe.IsEmpty || snapshot.ApproverGroupsUnknown)
        {
            blocks.Add(Blocks.Section(snapshot.WaitingForMe.IsEmpty
                ? "*Waiting for your approval*\n_None found._"
                : MyAccessLines.Section("Waiting for your approval", snapshot.WaitingForMe.Items.Select(r => MyAccessLines.Waiting(r, now)).ToList(),
                    snapshot.WaitingForMe.More, SectionBudget, ": `/access list`")));
            if (snapshot.ApproverGroupsUnknown) blocks.Add(Blocks.Context(AccessListReply.GroupsUnknown));
        }

        blocks.Add(Blocks.Section(snapshot.Recent.IsEmpty
            ? $"*Ended in the last {(int)MyAccess.RecentWindow.TotalDays} days*\n_Nothing._"
            : MyAccessLines.Section($"Ended in the last {(int)MyAccess.RecentWindow.TotalDays} days",
                snapshot.Recent.Items.Select(r => MyAccessLines.Recent(r, now)).ToList(), snapshot.Recent.More, SectionBudget, ": `/access list`")));
        blocks.Add(Blocks.Divider());
        blocks.Add(Blocks.Context("This page changes when your requests and grants do; the words for how long are as of then. " +
                                  "`/access list` shows the same in any channel, `/access resources` what you can ask for."));
        return Views.Home(blocks);
    }
}
