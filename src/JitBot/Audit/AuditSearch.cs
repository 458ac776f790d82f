using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Audit;

/// <summary>
/// The most recent audit events of one resource or one person, newest first, read backwards from the chain's end a
/// page at a time. An event belongs to a resource when its data names it or its request is for it; to a person when
/// they did it, its data names them (<c>user</c>), or its request is theirs. At most <see cref="ScanLimit"/> events
/// are read, so the answer stays quick on a long log (older events: <c>jitbot audit export</c>).
/// </summary>
public sealed class AuditSearch(IAccessStore store)
{
    public const int ScanLimit = 50_000;
    const int Page = 500;

    public async Task<IReadOnlyList<AuditRecord>> RecentAsync(string? resourceId, string? userId, int max, CancellationToken cancellationToken)
    {
        var found = new List<AuditRecord>();
        var requests = new Dictionary<string, AccessRequest?>(StringComparer.Ordinal);
        var next = await store.LastAuditSeqAsync(cancellationToken).ConfigureAwait(false);
        var scanned = 0;
        while (next > 0 && found.Count < max && scanned < ScanLimit)
        {
            var from = Math.Max(0, next - Page);
            var page = await store.ReadAuditAsync(from, (int)(next - from), cancellationToken).ConfigureAwait(false);
            scanned += page.Count;
            for (var i = page.Count - 1; i >= 0 && found.Count < max; i--)
            {
                var e = page[i].Event;
                var request = e.RequestId is null ? null : await RequestAsync(e.RequestId).ConfigureAwait(false);
                if (resourceId is not null && (Data(e, "resource") == resourceId || request?.ResourceId == resourceId))
                    found.Add(page[i]);
                else if (userId is not null && (e.Actor == userId || Data(e, "user") == userId || request?.RequesterId == userId))
                    found.Add(page[i]);
            }
            next = from;
        }
        return found;

        async Task<AccessRequest?> RequestAsync(string id)
        {
            if (!requests.TryGetValue(id, out var request))
                requests[id] = request = await store.FindRequestAsync(new RequestId(id), cancellationToken).ConfigureAwait(false);
            return request;
        }
    }

    static string? Data(AuditEvent e, string key) => e.Data is not null && e.Data.TryGetValue(key, out var v) ? v : null;
}
