using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;
using Microsoft.Extensions.Options;

namespace JitBot.SlackApp;

/// <summary>
/// Posts provider alerts: a failing or recovered revocation to the owning team's channel and the admin channel
/// (<c>Slack:AdminChannel</c>), drift to the admin channel (the team's when there is none), a failed grant to the
/// team's channel. Each post is remembered, so a retried delivery does not post twice.
/// </summary>
public sealed class SlackProviderAlerts(ISlackApiClient slack, IMessageRefStore refs, IOptions<SlackOptions> options, ILogger<SlackProviderAlerts> logger)
    : IProviderAlerts
{
    public Task AlertAsync(AccessRequest request, ProviderAlert alert, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(() => PostAsync(request, alert, cancellationToken));

    async Task PostAsync(AccessRequest request, ProviderAlert alert, CancellationToken cancellationToken)
    {
        var admin = string.IsNullOrWhiteSpace(options.Value.AdminChannel) ? null : options.Value.AdminChannel;
        string?[] channels = alert.Kind switch
        {
            ProviderAlertKind.RevokeFailing or ProviderAlertKind.RevokeRecovered => [alert.TeamChannel, admin],
            ProviderAlertKind.Drift => [admin ?? alert.TeamChannel],
            _ => [alert.TeamChannel],
        };
        var text = Text(alert);
        foreach (var channel in channels.OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var kind = $"{alert.Key}.{channel}";
            if (await refs.FindAsync(request.Id, kind, cancellationToken) is not null) continue;
            var posted = await slack.Chat.PostMessageAsync(new ChatMessage(channel, Mrkdwn.Truncate(text, BlockLimits.FallbackText), [Blocks.Section(text)]), cancellationToken);
            await refs.SaveAsync(new MessageRef(request.Id, kind, posted.Channel, posted.Ts), cancellationToken);
        }
        if (!channels.OfType<string>().Any())
            logger.LogWarning("Provider alert {Kind} for grant {GrantId} has no channel to go to (no team channel and no Slack:AdminChannel)", alert.Kind, alert.GrantId);
    }

    /// <summary>The alert as people read it; every value from outside is escaped.</summary>
    public static string Text(ProviderAlert alert)
    {
        var who = Mrkdwn.User(alert.UserId);
        var what = SlackText.Resource(alert.ResourceId) +
                   (alert.GrantId.StartsWith(GrantId.Prefix, StringComparison.Ordinal) ? $" (grant {SlackText.Id(new GrantId(alert.GrantId))})" : "");
        var detail = Mrkdwn.Escape(alert.Detail);
        return alert.Kind switch
        {
            ProviderAlertKind.RevokeFailing =>
                $":rotating_light: JitBot could not take back {who}'s access to {what} ({SlackText.Count(alert.Attempts, "attempt")} so far): {detail}",
            ProviderAlertKind.RevokeRecovered =>
                $":white_check_mark: {who}'s access to {what} is taken back now. {detail}",
            ProviderAlertKind.Drift =>
                $":warning: Reconciliation: {who}'s access to {what} did not match JitBot's grants. {detail}",
            _ =>
                $":x: Granting {what} to {who} failed: {detail} Nothing was granted; {who} was told.",
        };
    }
}
