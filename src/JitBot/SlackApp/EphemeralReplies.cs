using JitBot.Common;
using JitBot.Slack.Api;

namespace JitBot.SlackApp;

/// <summary>
/// Sends the ephemeral answer to a click, trying again when Slack fails in a way that may pass (a 5xx, a timeout,
/// Slack's <c>internal_error</c>, a rate limit the client could not wait out): after 1, 2, 4, 8 and 16 seconds,
/// by <see cref="TimeProvider"/>, for as long as the answer is useful (<see cref="Useful"/>). An error that will
/// not pass (<c>user_not_in_channel</c>, <c>channel_not_found</c>, …) is not retried.
/// </summary>
public sealed class EphemeralReplies(ISlackApiClient slack, TimeProvider time, ILogger<EphemeralReplies> logger)
{
    /// <summary>
    /// How long after the first try an answer is still worth sending: the clicker is still looking, and the
    /// approval message, updated in place, tells the outcome to everyone anyway.
    /// </summary>
    public static readonly TimeSpan Useful = TimeSpan.FromSeconds(30);

    static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);

    public async Task SendAsync(EphemeralMessage message, CancellationToken cancellationToken)
    {
        var start = time.GetUtcNow();
        var wait = FirstRetry;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await slack.Chat.PostEphemeralAsync(message, cancellationToken);
                if (attempt > 1) logger.LogInformation("Answered {UserId} in {Channel} on attempt {Attempt}", LogText.Safe(message.User), message.Channel, attempt);
                return;
            }
            catch (Exception e) when (SlackFailures.MayPass(e, cancellationToken) && time.GetUtcNow() - start + wait <= Useful)
            {
                logger.LogWarning("chat.postEphemeral to {UserId} failed on attempt {Attempt} ({Error}); trying again in {Wait}",
                    LogText.Safe(message.User), attempt, e.Message, wait);
            }
            await Task.Delay(wait, time, cancellationToken);
            wait += wait;
        }
    }
}
