using System.Collections.Concurrent;
using System.Text.Json;
using JitBot.Common;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Storage;
using Microsoft.Extensions.Options;

namespace JitBot.SlackApp;

/// <summary>
/// The answer to an <c>/access</c> that was acknowledged with "still working on it". When the submission ends,
/// its answer is queued in the outbox (<see cref="NotificationKind.LateAnswer"/>, see <see cref="LaneOf"/>), so it
/// survives a failing Slack and a restart and is tried again until it is sent. It goes to the command's
/// <c>response_url</c> as an ephemeral reply while that is valid (<see cref="ResponseUrlUseFor"/>), otherwise —
/// or when Slack refuses it, or fails at that moment — as a direct message. Once sent it is remembered as a
/// message ref, so a retry does not send it twice. The <c>response_url</c> is a capability: it is kept in the
/// outbox row only, never logged, never in an error, and never sent the bot token.
/// </summary>
public sealed class LateAnswers(
    IAccessStore store,
    IMessageRefStore refs,
    ISlackApiClient slack,
    IOptions<SlackOptions> options,
    TimeProvider time,
    ILogger<LateAnswers> logger) : ILateAnswers, IHostedService
{
    /// <summary>How long after the command its <c>response_url</c> is used (Slack keeps it for 30 minutes).</summary>
    public static readonly TimeSpan ResponseUrlUseFor = TimeSpan.FromMinutes(25);

    const string SentKind = "late.answer";

    readonly ConcurrentDictionary<Task, byte> _queueing = new();

    /// <summary>What the outbox row holds.</summary>
    sealed record Payload(string AnswerId, string UserId, string Text, string? ResponseUrl, DateTimeOffset RespondBy);

    /// <summary>Queues the answer once <paramref name="reply"/> is known; never throws (a failure to queue is logged).</summary>
    public void Queue(Task<Slack.Dispatch.CommandReply> reply, string userId, string? responseUrl)
    {
        var respondBy = time.GetUtcNow() + ResponseUrlUseFor;
        var queueing = QueueAsync(reply, userId, Accepted(responseUrl), respondBy);
        _queueing[queueing] = 0;
        queueing.ContinueWith(t => _queueing.TryRemove(t, out _), TaskScheduler.Default);
    }

    async Task QueueAsync(Task<Slack.Dispatch.CommandReply> reply, string userId, string? responseUrl, DateTimeOffset respondBy)
    {
        Payload? answer = null;
        try
        {
            var text = (await reply.ConfigureAwait(false)).Text;
            answer = new Payload("answer_" + Guid.NewGuid().ToString("N"), userId, text, responseUrl, respondBy);
            await store.EnqueueNoticeAsync(NotificationKind.LateAnswer, new RequestId(answer.AnswerId), LaneOf(answer),
                JsonSerializer.Serialize(answer), time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (answer is not null)
        {
            // The database cannot take the answer (unreachable, or no connection free): it goes straight to Slack
            // instead, so the person told "still working on it" still hears how it ended.
            logger.LogWarning(e, "The late answer to /access by {UserId} could not be queued in the outbox; sending it directly", LogText.Safe(userId));
            await SendDirectlyAsync(answer).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "The late answer to /access by {UserId} could not be made", LogText.Safe(userId));
        }
    }

    /// <summary>
    /// An answer for the command's <c>response_url</c> has a lane of its own: it is a reply to that command, not a
    /// message in the person's direct messages, so it neither waits behind their notices (nor their channel's pace)
    /// nor holds them up — a restart that finds many answers and many expiries due sends both at once. An answer
    /// with no usable <c>response_url</c> goes by direct message, so it takes its place in the person's lane.
    /// </summary>
    static string LaneOf(Payload answer) =>
        answer.ResponseUrl is null ? NoticeLanes.DirectMessages(answer.UserId) : "answer:" + answer.AnswerId;

    /// <summary>
    /// An answer the outbox could not take: sent without it, tried <see cref="DirectAttempts"/> times
    /// (<see cref="DirectRetryDelay"/> apart), and logged as an error if Slack refuses it every time.
    /// </summary>
    async Task SendDirectlyAsync(Payload answer)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DeliverAsync(answer, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (attempt < DirectAttempts)
            {
                logger.LogWarning("The late answer to {UserId} could not be sent directly on attempt {Attempt} ({Error}); trying again",
                    LogText.Safe(answer.UserId), attempt, e.GetType().Name);
                var wait = e is NoticeDeferredException deferred && deferred.RetryAt - time.GetUtcNow() is var limit && limit > DirectRetryDelay
                    ? limit
                    : DirectRetryDelay;
                await Task.Delay(wait, time).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                logger.LogError("The late answer to {UserId} could not be queued nor sent ({Error}); they were told to expect it and will not get it",
                    LogText.Safe(answer.UserId), e.GetType().Name);
                return;
            }
        }
    }

    /// <summary>How many times an answer the outbox could not take is tried directly.</summary>
    public const int DirectAttempts = 3;

    /// <summary>The pause between those tries.</summary>
    public static readonly TimeSpan DirectRetryDelay = TimeSpan.FromSeconds(2);

    public async Task SendAsync(string payload, DateTimeOffset queuedAt, CancellationToken cancellationToken)
    {
        Payload? answer;
        try
        {
            answer = JsonSerializer.Deserialize<Payload>(payload);
        }
        catch (JsonException)
        {
            answer = null;
        }
        if (answer is null)
        {
            logger.LogError("A late answer queued at {QueuedAt:O} cannot be read; dropping it", queuedAt);
            return;
        }
        var subject = new RequestId(answer.AnswerId);
        if (await refs.FindAsync(subject, SentKind, cancellationToken) is not null) return;
        var sent = await DeliverAsync(answer, cancellationToken);
        await refs.SaveAsync(new MessageRef(subject, SentKind, sent.Channel, sent.Ts), CancellationToken.None);
    }

    /// <summary>
    /// Sends the answer to the <c>response_url</c> while it is valid, otherwise — or when Slack refuses it or fails
    /// at that moment — as a direct message; returns where it went (for the message ref).
    /// </summary>
    async Task<(string Channel, string Ts)> DeliverAsync(Payload answer, CancellationToken cancellationToken)
    {
        if (answer.ResponseUrl is { } url && time.GetUtcNow() < answer.RespondBy)
        {
            try
            {
                await slack.Responses.RespondAsync(new Uri(url), answer.Text, cancellationToken);
                return (SlackApiClient.ResponseUrlMethod, "");
            }
            catch (SlackApiException e) when (!cancellationToken.IsCancellationRequested)
            {
                // Refused (expired, used) or failing right now: the direct message goes instead, at once.
                logger.LogWarning("The late answer to {UserId} could not use the command's response_url ({Error}); sending it as a direct message",
                    LogText.Safe(answer.UserId), e.Error);
            }
        }
        return await SlackDeferral.RunAsync(async () =>
        {
            var posted = await slack.Chat.PostMessageAsync(new ChatMessage(answer.UserId, answer.Text), cancellationToken);
            return (posted.Channel, posted.Ts);
        });
    }

    /// <summary>
    /// The <c>response_url</c> when it points at Slack (or at the Slack API host JitBot is configured with, as in
    /// tests); anything else is not used and the answer goes by direct message.
    /// </summary>
    string? Accepted(string? responseUrl)
    {
        if (string.IsNullOrEmpty(responseUrl)) return null;
        if (Uri.TryCreate(responseUrl, UriKind.Absolute, out var url) && !url.UserInfo.Any() &&
            ((url.Scheme == Uri.UriSchemeHttps && (url.Host == "hooks.slack.com" || url.Host.EndsWith(".slack.com", StringComparison.Ordinal))) ||
             (Uri.TryCreate(options.Value.ApiBaseUrl, UriKind.Absolute, out var api) &&
              url.Scheme == api.Scheme && string.Equals(url.Authority, api.Authority, StringComparison.OrdinalIgnoreCase))))
            return url.AbsoluteUri;
        logger.LogWarning("A slash command's response_url does not point at Slack; its late answer goes by direct message");
        return null;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Answers whose submission is still running are queued before the host stops.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.WhenAll(_queueing.Keys).WaitAsync(cancellationToken);
}
