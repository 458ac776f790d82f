using System.Globalization;
using System.Text;
using JitBot.Requests;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// One line of mrkdwn for each thing <see cref="MyAccessSnapshot"/> holds, shared by <c>/access list</c> and the App
/// Home: the resource, the short id people type, the state, and every time as <see cref="SlackTime.When"/>. User text
/// (the reason) is escaped here.
/// </summary>
public static class MyAccessLines
{
    const int ShownReason = 120;

    /// <summary>"`payments-db` · grant `p3n8d2` · *2 hours left*, until &lt;!date…&gt; (in 2 hours)".</summary>
    public static string Active(Grant grant, DateTimeOffset now)
    {
        var left = grant.ExpiresAt <= now ? "*ending now*" : $"*{SlackTime.Left(grant.ExpiresAt, now)} left*";
        return $"{SlackText.Resource(grant.ResourceId)} · grant {SlackText.Id(grant.Id)} · {left}, until {SlackTime.When(grant.ExpiresAt, now)}";
    }

    /// <summary>"`payments-api-prod` · request `7k2m9x` · waiting for @payments-oncall in #payments-access, asked &lt;!date…&gt; (5 minutes ago)".</summary>
    public static string Pending(AccessRequest request, DateTimeOffset now)
    {
        var waiting = request.Decision.Approval is { } plan
            ? $"waiting for {SlackText.Requirements(plan)} in {Mrkdwn.Channel(plan.Channel)}"
            : "waiting for approval";
        var approved = request.Votes.Count(v => v.Approve) is var n and > 0 ? $" ({n} approved so far)" : "";
        return $"{SlackText.Resource(request.ResourceId)} · request {SlackText.Id(request.Id)} · {waiting}{approved}, asked {SlackTime.When(request.CreatedAt, now)}";
    }

    /// <summary>"`payments-api-prod` · request `7k2m9x` · from @ben for 1 hour, asked &lt;!date…&gt; (…): "reason" · decide in #payments-access".</summary>
    public static string Waiting(AccessRequest request, DateTimeOffset now)
    {
        var duration = request.Decision.Duration is { } d ? $" for {SlackText.Duration(d.Granted)}" : "";
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? "" : $": \"{Mrkdwn.Truncate(Mrkdwn.Escape(request.Reason), ShownReason)}\"";
        var where = request.Decision.Approval is { } plan ? $" · decide in {Mrkdwn.Channel(plan.Channel)}" : "";
        return $"{SlackText.Resource(request.ResourceId)} · request {SlackText.Id(request.Id)} · from {Mrkdwn.User(request.RequesterId)}{duration}, " +
               $"asked {SlackTime.When(request.CreatedAt, now)}{reason}{where}";
    }

    /// <summary>"`payments-db` · grant `p3n8d2` · expired &lt;!date…&gt; (2 hours ago)", or a request that ended without a grant.</summary>
    public static string Recent(RecentAccess item, DateTimeOffset now)
    {
        var when = SlackTime.When(item.At, now);
        if (item.Grant is { } grant)
        {
            var ended = grant.State switch
            {
                GrantState.Revoked => "revoked",
                GrantState.Failed => "failed",
                _ => "expired",
            };
            return $"{SlackText.Resource(grant.ResourceId)} · grant {SlackText.Id(grant.Id)} · {ended} {when}";
        }
        var request = item.Request!;
        var what = request.State switch
        {
            RequestState.Denied => "denied by the policy",
            RequestState.Rejected when SlackText.Person(request.DecidedBy) is { } who => $"denied by {who}",
            RequestState.Rejected => "closed",
            RequestState.TimedOut => "timed out",
            RequestState.Failed => "failed",
            _ => Mrkdwn.Escape(request.State.ToString()).ToLowerInvariant(),
        };
        return $"{SlackText.Resource(request.ResourceId)} · request {SlackText.Id(request.Id)} · {what} {when}";
    }

    /// <summary>
    /// Bullet lines under a bold title, within <paramref name="budget"/> characters: lines that do not fit, and the
    /// <paramref name="more"/> that were not read, are counted in "…and N more" followed by <paramref name="moreHint"/>.
    /// </summary>
    public static string Section(string title, IReadOnlyList<string> lines, int more, int budget, string moreHint = "")
    {
        var text = new StringBuilder($"*{title}*");
        var reserve = 40 + moreHint.Length;
        var shown = 0;
        foreach (var line in lines)
        {
            if (text.Length + line.Length + 3 > budget - reserve) break;
            text.Append("\n• ").Append(line);
            shown++;
        }
        var left = lines.Count - shown + more;
        if (left > 0) text.Append("\n…and ").Append(left.ToString(CultureInfo.InvariantCulture)).Append(" more").Append(moreHint).Append('.');
        return Mrkdwn.Truncate(text.ToString(), budget);
    }

    /// <summary>"2 active grants, 1 pending request and 3 approvals waiting for you" (for a fallback text).</summary>
    public static string Summary(MyAccessSnapshot snapshot)
    {
        var parts = new List<string>();
        if (Count(snapshot.Active) is > 0 and var a) parts.Add(SlackText.Count(a, "active grant"));
        if (Count(snapshot.Pending) is > 0 and var p) parts.Add(SlackText.Count(p, "pending request"));
        if (Count(snapshot.WaitingForMe) is > 0 and var w) parts.Add(SlackText.Count(w, "approval") + " waiting for you");
        if (Count(snapshot.Recent) is > 0 and var r) parts.Add(SlackText.Count(r, "recent item"));
        return parts.Count switch
        {
            0 => "nothing active, pending or recent",
            1 => parts[0],
            _ => string.Join(", ", parts[..^1]) + " and " + parts[^1],
        };
    }

    static int Count<T>(Capped<T> list) => list.Items.Count + list.More;
}
