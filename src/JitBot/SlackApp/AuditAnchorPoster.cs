using JitBot.Audit;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;
using Microsoft.Extensions.Options;

namespace JitBot.SlackApp;

/// <summary>
/// Posts the anchored audit chain head to <c>Slack:AdminChannel</c>: its sequence number, hash and time, so a copy
/// lives outside the database. Remembered as a message ref, so a retried delivery does not post twice.
/// </summary>
public sealed class AuditAnchorPoster(ISlackApiClient slack, IMessageRefStore refs, IOptions<SlackOptions> options, ILogger<AuditAnchorPoster> logger)
    : IAuditAnchorNotices
{
    const string SentKind = "audit.anchor";

    public async Task SendAsync(string payload, CancellationToken cancellationToken)
    {
        var anchor = AuditCheckpoint.FromJson(payload);
        var channel = options.Value.AdminChannel;
        if (anchor is null || string.IsNullOrWhiteSpace(channel))
        {
            logger.LogWarning("An audit anchor notice has no admin channel to go to or cannot be read; dropped");
            return;
        }
        var subject = new RequestId($"anchor_{anchor.Seq}_{anchor.At.ToUnixTimeMilliseconds()}");
        if (await refs.FindAsync(subject, SentKind, cancellationToken) is not null) return;
        var text = Text(anchor);
        var posted = await SlackDeferral.RunAsync(() => slack.Chat.PostMessageAsync(new ChatMessage(channel, text, [Blocks.Section(text)]), cancellationToken));
        await refs.SaveAsync(new MessageRef(subject, SentKind, posted.Channel, posted.Ts), CancellationToken.None);
    }

    public static string Text(AuditCheckpoint anchor) =>
        $":link: Audit chain head: event *{anchor.Seq}*, hash `{anchor.Hash}`, as of {Mrkdwn.Date(anchor.At)}. " +
        "Keep this message: `jitbot audit verify` checks the log against it (docs/audit.md).";
}
