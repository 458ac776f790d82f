using JitBot.LoadTest.Analysis;

namespace JitBot.LoadTest.Tests;

/// <summary>The texts below are the fallback texts SlackNotifier and ApprovalMessage send.</summary>
public class NoticeTextTests
{
    const string Ended = ":lock: Your access to `load-dev-007` expired at <!date^1796212860^{date_short_pretty} at {time}|2026-12-02 13:21 UTC>. Need more time? Ask again with `/access load-dev-007`.";
    const string Granted = ":white_check_mark: You have access to `load-dev-007` for 2 minutes (approved by policy). It ends <!date^1796212860^{date_short_pretty} at {time}|2026-12-02 13:21 UTC> (in 2 minutes).";
    const string Approval = "Access request from <@U0LOAD00012> for `load-stg-003` (waiting for approval)";

    [Fact]
    public void Kinds_are_told_apart()
    {
        Assert.Equal(NoticeKind.EndedDm, NoticeText.Kind(Ended));
        Assert.Equal(NoticeKind.GrantedDm, NoticeText.Kind(Granted));
        Assert.Equal(NoticeKind.Approval, NoticeText.Kind(Approval));
        Assert.Equal(NoticeKind.EndedThread, NoticeText.Kind(":lock: Access for <@U0LOAD00012> expired at <!date^1^x|y>."));
        Assert.Equal(NoticeKind.Other, NoticeText.Kind("Something else"));
    }

    [Fact]
    public void The_subject_is_the_dm_channel_or_the_first_mention_and_the_first_code_span()
    {
        Assert.Equal(("U0LOAD00012", "load-dev-007"), NoticeText.Subject("U0LOAD00012", Ended));
        Assert.Equal(("U0LOAD00012", "load-stg-003"), NoticeText.Subject("#payments-access", Approval));
        Assert.Null(NoticeText.Subject("#payments-access", "no resource here <@U1>"));
    }

    [Fact]
    public void A_granted_dm_says_when_access_ends()
    {
        Assert.Equal(1_796_212_860_000, NoticeText.EndsAtMs(Granted));
        Assert.Null(NoticeText.EndsAtMs(Ended));
    }

    // A message about several grants (GroupedGrantMessage), as the fake Slack records it: its sections' lines.
    const string EndedTogether = ":lock: Your access to `load-dev-001`, `load-dev-002` and 1 more expired: "
        + "• `load-dev-001` (grant `aaaaaa`) expired <!date^1796212860^{date_short_pretty} at {time}|2026-12-02 13:21 UTC> (just now) "
        + "• `load-dev-002` (grant `bbbbbb`) expired <!date^1796212860^{date_short_pretty} at {time}|2026-12-02 13:21 UTC> (just now) "
        + "• `load-dev-003` (grant `cccccc`) expired <!date^1796212860^{date_short_pretty} at {time}|2026-12-02 13:21 UTC> (just now) "
        + "Need more time? Ask again with `/access` and the resource.";
    const string GrantedTogether = ":white_check_mark: You have access to `load-dev-001` and `load-dev-002`: "
        + "• `load-dev-001` for 2 minutes (approved by policy), ends <!date^1796212860^{date_short_pretty} at {time}|x> (in 2 minutes) (grant `aaaaaa`) "
        + "• `load-dev-002` for 3 minutes (approved by policy), ends <!date^1796212920^{date_short_pretty} at {time}|x> (in 3 minutes) (grant `bbbbbb`)";

    [Fact]
    public void A_message_about_several_grants_names_each_of_them()
    {
        Assert.Equal(NoticeKind.EndedDm, NoticeText.Kind(EndedTogether));
        Assert.Equal([("U0LOAD00012", "load-dev-001"), ("U0LOAD00012", "load-dev-002"), ("U0LOAD00012", "load-dev-003")],
            NoticeText.Subjects("U0LOAD00012", EndedTogether));
        Assert.Equal([("U0LOAD00012", "load-dev-007")], NoticeText.Subjects("U0LOAD00012", Ended));
        Assert.Equal(NoticeKind.GrantedDm, NoticeText.Kind(GrantedTogether));
        Assert.Equal([1_796_212_860_000, 1_796_212_920_000], NoticeText.AllEndsAtMs(GrantedTogether));
        Assert.Equal([1_796_212_860_000], NoticeText.AllEndsAtMs(Granted));
    }
}
