using JitBot.Grants;
using JitBot.Providers;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// Sends an issued credential to the requester alone, as a direct message posted at once (never through the
/// outbox, which is stored). Tries <see cref="Attempts"/> times with a short pause; the message and the secret
/// are never logged, and JitBot keeps no copy: the message is the only place the requester sees it.
/// </summary>
public sealed class SlackCredentialDelivery(ISlackApiClient slack, TimeProvider time, ILogger<SlackCredentialDelivery> logger) : ICredentialDelivery
{
    public const int Attempts = 3;
    static readonly TimeSpan[] Pauses = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4)];

    public async Task DeliverAsync(AccessRequest request, Grant grant, IssuedCredential credential, CancellationToken cancellationToken)
    {
        var text = Message(request, credential, time.GetUtcNow());
        var message = new ChatMessage(request.RequesterId,
            $"Your {Mrkdwn.Escape(credential.Label)} for {request.ResourceId} (shown once; open the message to see it).",
            [Blocks.Section(text)]);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await slack.Chat.PostMessageAsync(message, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Sent the {Label} (fingerprint {Fingerprint}) of grant {GrantId} to its requester",
                    Common.LogText.Safe(credential.Label), credential.Fingerprint, grant.Id);
                return;
            }
            catch (Exception e) when (attempt < Attempts && e is not OperationCanceledException)
            {
                logger.LogWarning("Sending the {Label} of grant {GrantId} failed on attempt {Attempt} ({Error}); trying again",
                    Common.LogText.Safe(credential.Label), grant.Id, attempt, e.GetType().Name);
                await Task.Delay(Pauses[attempt - 1], time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The direct message: the secret in a code block, when it stops working, how to use it, and that it is shown once.</summary>
    public static string Message(AccessRequest request, IssuedCredential credential, DateTimeOffset now)
    {
        var how = string.IsNullOrWhiteSpace(credential.HowToUse) ? "" : $"\n{Mrkdwn.Escape(credential.HowToUse)}";
        return $":key: Your {Mrkdwn.Escape(credential.Label)} for {SlackText.Resource(request.ResourceId)}, valid until {SlackTime.When(credential.ExpiresAt, now)}:\n" +
               $"```{Mrkdwn.Escape(credential.Secret)}```{how}\n" +
               "This is the only time JitBot shows it and it keeps no copy. Don't share it: it is yours alone.";
    }
}
