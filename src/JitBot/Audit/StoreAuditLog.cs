using JitBot.Storage;

namespace JitBot.Audit;

/// <summary>The audit log over the store.</summary>
public sealed class StoreAuditLog(IAccessStore store) : IAuditLog
{
    public Task<IReadOnlyList<AuditRecord>> ReadAsync(long afterSeq, int max, CancellationToken cancellationToken) =>
        store.ReadAuditAsync(afterSeq, max, cancellationToken);

    public Task<IReadOnlyList<AuditRecord>> ForRequestAsync(string requestId, CancellationToken cancellationToken) =>
        store.AuditForRequestAsync(requestId, cancellationToken);

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        const int page = 1000;
        var previous = AuditChain.Genesis;
        long lastSeq = 0, count = 0;
        while (true)
        {
            var batch = await store.ReadAuditAsync(lastSeq, page, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0) return AuditVerification.Ok(count);
            foreach (var r in batch)
            {
                if (r.Seq != lastSeq + 1)
                    return new(false, count, r.Seq, $"Event {lastSeq + 1} is missing: the next stored event is {r.Seq}.");
                if (!string.Equals(r.PreviousHash, previous, StringComparison.Ordinal))
                    return new(false, count, r.Seq, $"Event {r.Seq} does not link to the event before it.");
                if (!string.Equals(AuditChain.Hash(previous, r.Seq, r.Event), r.Hash, StringComparison.Ordinal))
                    return new(false, count, r.Seq, $"Event {r.Seq} was changed after it was written: its hash does not match its content.");
                previous = r.Hash;
                lastSeq = r.Seq;
                count++;
            }
        }
    }
}
