using JitBot.Requests;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// The one direct message that tells a person about several of their grants at once (<see cref="NoticeGroups"/>):
/// a first line naming the first resources ("Your access to `a`, `b` and 12 more expired"), then one line per
/// grant with its resource, its grant's short id and its time as a Slack date token, then what to do next. At most
/// <see cref="NoticeGroups.MaxSize"/> lines (a group is never larger), each cut at <see cref="LineChars"/>, packed
/// into sections under Slack's 3,000 characters (<see cref="MessageSections"/>), so the message keeps to Slack's
/// limits (50 blocks; here at most 27). Every piece of user text is escaped (<see cref="SlackText"/>).
/// </summary>
public static class GroupedGrantMessage
{
    /// <summary>The longest one grant's line may be.</summary>
    public const int LineChars = 1000;

    /// <summary>
    /// The ends of <paramref name="ended"/>, each with "granted … for …" when its "you have access" message was never
    /// sent (<paramref name="toldStarted"/> is false for it: the grant had ended before that message went out).
    /// </summary>
    public static (string Text, IReadOnlyList<Block> Blocks) Ended(IReadOnlyList<GrantNotice> ended, Func<GrantNotice, bool> toldStarted, DateTimeOffset now)
    {
        var verb = ended.All(n => n.Grant.State != GrantState.Revoked) ? "expired"
            : ended.All(n => n.Grant.State == GrantState.Revoked) ? "was revoked" : "ended";
        var lines = ended.Select(n =>
        {
            var granted = toldStarted(n) ? "" : $", granted {SlackTime.When(n.Grant.GrantedAt, now)} for {SlackText.Duration(n.Grant.ExpiresAt - n.Grant.GrantedAt)},";
            var how = n.Grant.State == GrantState.Revoked ? "was revoked" : "expired";
            return $"• {SlackText.Resource(n.Request.ResourceId)} (grant {SlackText.Id(n.Grant.Id)}){granted} {how} {SlackTime.When(n.Grant.EndedAt ?? now, now)}";
        });
        var resources = ended.Select(n => n.Request.ResourceId).Distinct(StringComparer.Ordinal).ToList();
        var again = resources.Count == 1
            ? $"Need more time? Ask again with `/access {Mrkdwn.Escape(resources[0])}`."
            : "Need more time? Ask again with `/access` and the resource.";
        return Build($":lock: Your access to {Names(resources)} {verb}:", lines, again);
    }

    /// <summary>"You have access" to each of <paramref name="started"/> (grants still active), with when each ends.</summary>
    public static (string Text, IReadOnlyList<Block> Blocks) Started(IReadOnlyList<GrantNotice> started, DateTimeOffset now)
    {
        var lines = started.Select(n =>
        {
            var approvers = n.Request.Votes.Where(v => v.Approve).Select(v => Mrkdwn.User(v.ApproverId)).ToList();
            var how = approvers.Count > 0 ? "approved by " + string.Join(", ", approvers) : "approved by policy";
            return $"• {SlackText.Resource(n.Request.ResourceId)} for {SlackText.Duration(n.Grant.ExpiresAt - n.Grant.GrantedAt)} ({how}), "
                   + $"ends {SlackTime.When(n.Grant.ExpiresAt, now)} (grant {SlackText.Id(n.Grant.Id)})";
        });
        var resources = started.Select(n => n.Request.ResourceId).Distinct(StringComparer.Ordinal).ToList();
        return Build($":white_check_mark: You have access to {Names(resources)}:", lines, null);
    }

    /// <summary>"`a`", "`a` and `b`", "`a`, `b` and `c`", "`a`, `b` and 12 more".</summary>
    public static string Names(IReadOnlyList<string> resources)
    {
        var shown = resources.Count <= 3 ? resources : resources.Take(2).ToList();
        var names = shown.Select(SlackText.Resource).ToList();
        if (resources.Count > 3) return $"{string.Join(", ", names)} and {resources.Count - 2} more";
        return names.Count == 1 ? names[0] : $"{string.Join(", ", names.Take(names.Count - 1))} and {names[^1]}";
    }

    static (string Text, IReadOnlyList<Block> Blocks) Build(string first, IEnumerable<string> lines, string? last)
    {
        var cut = lines.Take(NoticeGroups.MaxSize).Select(l => Mrkdwn.Truncate(l, LineChars)).ToList();
        var blocks = new List<Block> { Blocks.Section(first) };
        blocks.AddRange(MessageSections.Pack(cut).Select(Blocks.Section));
        if (last is not null) blocks.Add(Blocks.Section(last));
        var text = string.Join("\n", new[] { first }.Concat(cut).Concat(last is null ? [] : [last]));
        return (Mrkdwn.Truncate(text, BlockLimits.FallbackText), blocks);
    }
}
