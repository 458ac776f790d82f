using JitBot.Requests;
using JitBot.Slack.Api;

namespace JitBot.SlackApp;

/// <summary>
/// Runs a notice's Slack calls without waiting for Slack's limits: a call the limits hold back (a channel that
/// posted its share this second, or a method and channel Slack answered 429 for) ends the notice with
/// <see cref="NoticeDeferredException"/>, so the outbox tries it again when Slack allows and the sender takes
/// another lane meanwhile. What was already posted is remembered as message refs, so the retry goes on from there.
/// </summary>
internal static class SlackDeferral
{
    public static Task RunAsync(Func<Task> send) =>
        RunAsync(async () =>
        {
            await send();
            return true;
        });

    public static async Task<T> RunAsync<T>(Func<Task<T>> send)
    {
        using var _ = SlackApiClient.WithoutWaiting();
        try
        {
            return await send();
        }
        catch (SlackRateLimitedException e)
        {
            throw new NoticeDeferredException(e.RetryAt, $"Slack's limits hold {e.Method} back");
        }
    }
}
