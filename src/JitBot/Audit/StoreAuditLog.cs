using JitBot.Storage;

namespace JitBot.Audit;

/// <summary>The audit log over the store.</summary>
public sealed class StoreAuditLog(IAccessStore store) : IAuditLog
{
    const int Page = 1000;

    public Task<IReadOnlyList<AuditRecord>> ReadAsync(long afterSeq, int max, CancellationToken cancellationToken) =>
        store.ReadAuditAsync(afterSeq, max, cancellationToken);

    public Task<IReadOnlyList<AuditRecord>> ForRequestAsync(string requestId, CancellationToken cancellationToken) =>
        store.AuditForRequestAsync(requestId, cancellationToken);

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        var verifier = new AuditChainVerifier();
        long after = 0;
        while (true)
        {
            var batch = await store.ReadAuditAsync(after, Page, cancellationToken).ConfigureAwait(false);
            foreach (var r in batch)
                if (!verifier.Check(r)) return verifier.Result;
            if (batch.Count < Page) return verifier.Result;
            after = batch[^1].Seq;
        }
    }
}
