using System.Globalization;
using JitBot.Grants;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;
using JitBot.Storage;

namespace JitBot.SlackApp;

/// <summary>
/// Tells people in Slack about expiry warnings, extensions and Revoke now (<see cref="IGrantNotifier"/>). Every post is
/// remembered as a message ref under its own kind, so a notice the outbox repeats posts nothing twice; each says what is
/// true when it is sent (a warning about an end that moved or a grant that ended is not sent).
/// </summary>
public sealed class SlackGrantNotifier(ISlackApiClient slack, IMessageRefStore refs, IPolicySource policies,
    TimeProvider time, ILogger<SlackGrantNotifier> logger) : IGrantNotifier
{
    public Task GrantExpiringAsync(AccessRequest request, GrantRecord grant, DateTimeOffset end, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            var g = grant.Grant;
            var now = time.GetUtcNow();
            if (g.State != GrantState.Active || grant.RevokedBy is not null || g.ExpiresAt != end || end <= now)
            {
                logger.LogInformation("Expiry warning for grant {GrantId} not sent: the grant ended or its end moved since", g.Id);
                return;
            }
            var resource = policies.Current.FindResource(g.ResourceId) ?? request.Decision.Resource;
            var text = $":alarm_clock: Your access to {SlackText.Resource(g.ResourceId)} (grant {SlackText.Id(g.Id)}) ends {SlackTime.When(end, now)}. " +
                       "Need more time? Extend it; done already? Revoke it now.";
            await PostOnceAsync(request.Id, WarningKind(end), g.UserId, text,
                [Blocks.Section(text), GrantButtons.For(g.Id, g.ResourceId, ExtensionRules.DefaultStep(resource))], null, cancellationToken);
        });

    public Task GrantExtendedAsync(AccessRequest request, GrantRecord grant, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            var g = grant.Grant;
            var now = time.GetUtcNow();
            var how = request.ExtendsGrant is null ? "" : $" (approved by {string.Join(", ", request.Votes.Where(v => v.Approve).Select(v => Mrkdwn.User(v.ApproverId)))})";
            var text = $":arrows_counterclockwise: Your access to {SlackText.Resource(g.ResourceId)} (grant {SlackText.Id(g.Id)}) is extended{how}: it now ends {SlackTime.When(to, now)} instead of {SlackTime.When(from, now)}.";
            await PostOnceAsync(request.Id, $"dm.extended.{Ms(to)}", g.UserId, text, [Blocks.Section(text)], null, cancellationToken);
            if (await refs.FindAsync(request.Id, ApprovalMessage.Kind, cancellationToken) is { } approval)
            {
                var reply = $":arrows_counterclockwise: Grant {SlackText.Id(g.Id)} of {Mrkdwn.User(g.UserId)} now ends {SlackTime.When(to, now)}.";
                await PostOnceAsync(request.Id, $"thread.extended.{Ms(to)}", approval.Channel, reply, [Blocks.Section(reply)], approval.Ts, cancellationToken);
                if (request.ExtendsGrant is not null)
                {
                    var message = ApprovalMessage.Build(request, g, now);
                    await slack.Chat.UpdateAsync(new ChatUpdate(approval.Channel, approval.Ts, message.Text, message.Blocks), cancellationToken);
                }
            }
        });

    public Task GrantRevokedAsync(AccessRequest request, GrantRecord grant, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            var g = grant.Grant;
            var now = time.GetUtcNow();
            var by = grant.RevokedBy ?? RequestService.SystemActor;
            var at = SlackTime.When(g.EndedAt ?? now, now);
            var why = string.IsNullOrWhiteSpace(grant.RevokeReason) ? "" : $" Reason: {Mrkdwn.Escape(grant.RevokeReason)}";
            var self = by == g.UserId;
            var holder = self
                ? $":lock: You revoked your access to {SlackText.Resource(g.ResourceId)} (grant {SlackText.Id(g.Id)}) {at}."
                : $":lock: {Mrkdwn.User(by)} revoked your access to {SlackText.Resource(g.ResourceId)} (grant {SlackText.Id(g.Id)}) {at}.{why}";
            await PostOnceAsync(request.Id, "dm.revoked", g.UserId, holder, [Blocks.Section(holder)], null, cancellationToken);
            if (!self)
            {
                var revoker = $":lock: You revoked {Mrkdwn.User(g.UserId)}'s access to {SlackText.Resource(g.ResourceId)} (grant {SlackText.Id(g.Id)}) {at}.{why}";
                await PostOnceAsync(request.Id, "dm.revoked.by", by, revoker, [Blocks.Section(revoker)], null, cancellationToken);
            }
            var team = $":lock: {Mrkdwn.User(by)} revoked {(self ? "their own" : Mrkdwn.User(g.UserId) + "'s")} access to {SlackText.Resource(g.ResourceId)} (grant {SlackText.Id(g.Id)}) {at}.{why}";
            if (await refs.FindAsync(request.Id, ApprovalMessage.Kind, cancellationToken) is { } approval)
                await PostOnceAsync(request.Id, "thread.revoked", approval.Channel, team, [Blocks.Section(team)], approval.Ts, cancellationToken);
            else if (TeamChannel(request, g) is { Length: > 0 } channel)
                await PostOnceAsync(request.Id, "team.revoked", channel, team, [Blocks.Section(team)], null, cancellationToken);
        });

    /// <summary>The kind of the message ref under which the warning about <paramref name="end"/> is remembered.</summary>
    public static string WarningKind(DateTimeOffset end) => $"dm.expiring.{Ms(end)}";

    /// <summary>The owning team's channel: the request's approval channel, else the policy's channel for its owner team.</summary>
    string? TeamChannel(AccessRequest request, Grant grant)
    {
        if (request.Decision.Approval is { Channel.Length: > 0 } plan) return plan.Channel;
        var owner = policies.Current.FindResource(grant.ResourceId)?.OwnerTeam ?? request.Decision.Resource?.OwnerTeam;
        return owner is null ? null : policies.Current.TeamChannel(owner);
    }

    async Task PostOnceAsync(RequestId subject, string kind, string channel, string text, IReadOnlyList<Block> blocks, string? threadTs, CancellationToken cancellationToken)
    {
        if (await refs.FindAsync(subject, kind, cancellationToken) is not null) return;
        var posted = await slack.Chat.PostMessageAsync(new ChatMessage(channel, Mrkdwn.Truncate(text, BlockLimits.FallbackText), Blocks.Message(blocks), threadTs), cancellationToken);
        await refs.SaveAsync(new MessageRef(subject, kind, posted.Channel, posted.Ts), cancellationToken);
    }

    static string Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
