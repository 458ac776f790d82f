using JitBot.Requests;
using Npgsql;
using static JitBot.Storage.Postgres.PostgresValues;

namespace JitBot.Storage.Postgres;

/// <summary>
/// The notices a transaction queues. Nothing in the transaction reads them back, so they are inserted when it
/// commits, in the order they were queued (their outbox ids follow that order). Each goes in its request's lane
/// (<see cref="NoticeLanes.For"/>): the lane depends only on what a request never changes once stored (its
/// requester, incident and channels), so it is taken from the request as this transaction inserted or read it, and
/// only a request the transaction has not seen is read, at the commit, with the commit's first statements.
/// </summary>
internal sealed class PostgresNotices
{
    readonly Dictionary<string, AccessRequest> _requests = new(StringComparer.Ordinal);
    readonly List<Notice> _queued = [];

    sealed record Notice(NotificationKind Kind, RequestId RequestId, GrantId? GrantId, string? Payload, DateTimeOffset At);

    public bool Any => _queued.Count > 0;

    /// <summary>Remembers a request this transaction inserted or read, for its notices' lane.</summary>
    public void Know(AccessRequest request) => _requests[request.Id.Value] = request;

    public void Add(NotificationKind kind, RequestId requestId, GrantId? grantId, string? payload, DateTimeOffset at) =>
        _queued.Add(new Notice(kind, requestId, grantId, payload, at));

    /// <summary>The read of the requests of queued notices that this transaction has not seen; null when it has seen them all.</summary>
    public NpgsqlBatchCommand? ReadUnseenRequests()
    {
        var unseen = _queued.Select(n => n.RequestId.Value).Where(id => !_requests.ContainsKey(id)).Distinct(StringComparer.Ordinal).ToArray();
        return unseen.Length == 0 ? null : Statement($"SELECT {RequestColumns} FROM jitbot.requests WHERE id = ANY(@ids)").With("ids", unseen);
    }

    /// <summary>A row of <see cref="ReadUnseenRequests"/> (the votes play no part in a lane).</summary>
    public static AccessRequest ReadRequest(NpgsqlDataReader r) => ToRequest(r, []);

    /// <summary>The inserts of the queued notices, in the order they were queued.</summary>
    public List<NpgsqlBatchCommand> Inserts() =>
        _queued.Select(n => OutboxInsert(n.Kind, n.RequestId, n.GrantId, n.Payload, n.At, NoticeLanes.For(n.RequestId, _requests.GetValueOrDefault(n.RequestId.Value))))
            .ToList();
}
