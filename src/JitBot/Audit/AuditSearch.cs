using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Audit;

/// <summary>
/// The most recent audit events of one resource or one person, newest first, read backwards from the chain's end a
/// page at a time. An event belongs to a resource when its data names it or its request is for it; to a person when
/// they did it, its data names them (<c>user</c>), or its request is theirs. At most <see cref="ScanLimit"/> events
/// are read, so the answer stays quick on a long log (older events: <c>jitbot audit export</c>): the store has no
/// index by resource or by person (a resource or person may be named in an event's data only), so the search is a
/// scan of the log's end, bounded, of at most <c>ScanLimit / 500</c> pages, with the requests of each page's events
/// read in one query (<see cref="IRequestGrantStore.FindRequestsAsync"/>), each request once per search.
/// </summary>
public sealed class AuditSearch(IAccessStore store, int scanLimit = AuditSearch.ScanLimit)
{
    public const int ScanLimit = 50_000;
    const int Page = 500;

    public async Task<IReadOnlyList<AuditRecord>> RecentAsync(string? resourceId, string? userId, int max, CancellationToken cancellationToken)
    {
        var found = new List<AuditRecord>();
        var requests = new Dictionary<string, AccessRequest?>(StringComparer.Ordinal);
        var next = await store.LastAuditSeqAsync(cancellationToken).ConfigureAwait(false);
        var scanned = 0;
        while (next > 0 && found.Count < max && scanned < scanLimit)
        {
            var from = Math.Max(0, next - Page);
            var page = await store.ReadAuditAsync(from, (int)(next - from), cancellationToken).ConfigureAwait(false);
            scanned += page.Count;
            await ReadRequestsAsync(page).ConfigureAwait(false);
            for (var i = page.Count - 1; i >= 0 && found.Count < max; i--)
            {
                var e = page[i].Event;
                var request = e.RequestId is null ? null : requests[e.RequestId];
                if (resourceId is not null && (Data(e, "resource") == resourceId || request?.ResourceId == resourceId))
                    found.Add(page[i]);
                else if (userId is not null && (e.Actor == userId || Data(e, "user") == userId || request?.RequesterId == userId))
                    found.Add(page[i]);
            }
            next = from;
        }
        return found;

        // The requests of a page's events not read yet, in one query; one that does not exist is remembered as none.
        async Task ReadRequestsAsync(IReadOnlyList<AuditRecord> page)
        {
            var unread = page.Select(r => r.Event.RequestId).OfType<string>().Where(id => !requests.ContainsKey(id)).Distinct(StringComparer.Ordinal).ToList();
            if (unread.Count == 0) return;
            foreach (var id in unread) requests[id] = null;
            foreach (var request in await store.FindRequestsAsync(unread.Select(id => new RequestId(id)).ToList(), cancellationToken).ConfigureAwait(false))
                if (requests.ContainsKey(request.Id.Value)) requests[request.Id.Value] = request;
        }
    }

    static string? Data(AuditEvent e, string key) => e.Data is not null && e.Data.TryGetValue(key, out var v) ? v : null;
}
