using System.Collections.Concurrent;
using JitBot.Slack.Dispatch;

namespace JitBot.Slack.SocketMode;

/// <summary>
/// The answers to recent Socket Mode envelopes, by <c>envelope_id</c>. Slack delivers an envelope again
/// (<c>retry_attempt</c> 1, 2, …) when its acknowledgement did not arrive, for example because the WebSocket
/// dropped before it was sent: the redelivery then gets the first delivery's answer (waiting for it if it is
/// still being worked out) instead of being handled a second time. Memory is bounded: answers older than
/// <paramref name="keepFor"/> are forgotten, and at most <paramref name="capacity"/> are kept.
/// </summary>
public sealed class EnvelopeAnswers(TimeProvider time, TimeSpan keepFor, int capacity = 10_000)
{
    readonly ConcurrentDictionary<string, Lazy<Task<SlackAck>>> answers = new(StringComparer.Ordinal);
    readonly ConcurrentQueue<(string Id, DateTimeOffset At)> order = new();

    /// <summary>Slack redelivers within minutes; an hour is ample.</summary>
    public EnvelopeAnswers(TimeProvider time) : this(time, TimeSpan.FromHours(1)) { }

    /// <summary>
    /// The answer to the envelope <paramref name="envelopeId"/>: <paramref name="handle"/>'s, run only for the
    /// first delivery. <paramref name="first"/> says whether this call is the one that ran it.
    /// </summary>
    public Task<SlackAck> OnceAsync(string envelopeId, Func<Task<SlackAck>> handle, out bool first)
    {
        var now = time.GetUtcNow();
        Forget(now);
        var mine = new Lazy<Task<SlackAck>>(handle);
        var answer = answers.GetOrAdd(envelopeId, mine);
        first = ReferenceEquals(answer, mine);
        if (first) order.Enqueue((envelopeId, now));
        return answer.Value;
    }

    void Forget(DateTimeOffset now)
    {
        while (order.TryPeek(out var oldest) && (now - oldest.At > keepFor || order.Count > capacity))
        {
            if (!order.TryDequeue(out oldest)) break;
            answers.TryRemove(oldest.Id, out _);
        }
    }
}
