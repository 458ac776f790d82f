using JitBot.Audit;

namespace JitBot.Policies.Replay;

/// <summary>A <c>request.submitted</c> event and the <c>request.decided</c> event of the same request, if one was found.</summary>
public sealed record RecordedPair(AuditRecord Submitted, AuditRecord? Decided);

/// <summary>
/// Pairs each <c>request.submitted</c> event with its request's <c>request.decided</c> event as the log is read in
/// order. The bot writes both in one transaction, so the decision follows its submission closely (next to it, or a
/// few events later when several replicas write); a submission still unpaired <see cref="Window"/> events later is
/// given up on (paired with nothing), so memory holds at most that many submissions however long the log is.
/// Other kinds, and a decision with no submission waiting (its submission was before the range, or missing), are
/// passed over.
/// </summary>
public sealed class RequestPairing(int window = RequestPairing.DefaultWindow)
{
    public const int DefaultWindow = 1000;

    readonly Dictionary<string, AuditRecord> pending = new(StringComparer.Ordinal);
    readonly Queue<AuditRecord> order = new();

    public int Window => window;

    /// <summary>How many submissions wait for their decision.</summary>
    public int Pending => pending.Count;

    /// <summary>
    /// Takes the next record of the log; returns the pairs it completes or gives up on. A submission is only taken
    /// when <paramref name="wanted"/> (it is in the replayed range).
    /// </summary>
    public IReadOnlyList<RecordedPair> Add(AuditRecord record, bool wanted = true)
    {
        List<RecordedPair>? done = null;
        var e = record.Event;
        if (e.Kind == AuditKinds.RequestSubmitted && wanted)
        {
            var key = e.RequestId ?? "";
            if (pending.Remove(key, out var twice)) (done ??= []).Add(new RecordedPair(twice, null));
            pending[key] = record;
            order.Enqueue(record);
        }
        else if (e.Kind == AuditKinds.RequestDecided && e.RequestId is { } id && pending.Remove(id, out var submitted))
        {
            (done ??= []).Add(new RecordedPair(submitted, record));
        }
        while (order.TryPeek(out var oldest) && (record.Seq - oldest.Seq > window || !IsPending(oldest)))
        {
            order.Dequeue();
            if (IsPending(oldest) && pending.Remove(oldest.Event.RequestId ?? "")) (done ??= []).Add(new RecordedPair(oldest, null));
        }
        return done ?? (IReadOnlyList<RecordedPair>)[];
    }

    /// <summary>The end of the log: every submission still waiting, without a decision, oldest first.</summary>
    public IReadOnlyList<RecordedPair> Flush()
    {
        var rest = order.Where(IsPending).Select(r => new RecordedPair(r, null)).ToList();
        order.Clear();
        pending.Clear();
        return rest;
    }

    bool IsPending(AuditRecord r) => pending.TryGetValue(r.Event.RequestId ?? "", out var p) && p.Seq == r.Seq;
}
