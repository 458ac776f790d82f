using System.Text.Json;
using JitBot.Hosting;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>Posts policy reload announcements to their channel (the admin channel), each once: a retried delivery finds its message ref.</summary>
public sealed class SlackPolicyAnnouncements(ISlackApiClient slack, IMessageRefStore refs, ILogger<SlackPolicyAnnouncements> logger) : IPolicyAnnouncements
{
    const string Kind = "policy.announcement";

    public Task SendAsync(string subject, string payload, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            PolicyAnnouncement? announcement;
            try
            {
                announcement = JsonSerializer.Deserialize<PolicyAnnouncement>(payload);
            }
            catch (JsonException)
            {
                announcement = null;
            }
            if (announcement is null || string.IsNullOrWhiteSpace(announcement.Channel))
            {
                logger.LogError("A policy announcement ({Subject}) cannot be read; dropping it", subject);
                return;
            }
            var id = new RequestId(subject);
            if (await refs.FindAsync(id, Kind, cancellationToken) is not null) return;
            var posted = await slack.Chat.PostMessageAsync(
                new ChatMessage(announcement.Channel, Mrkdwn.Truncate(announcement.Text, BlockLimits.FallbackText), [Blocks.Section(announcement.Text)]), cancellationToken);
            await refs.SaveAsync(new MessageRef(id, Kind, posted.Channel, posted.Ts), cancellationToken);
        });
}
