using JitBot.Requests;
using Npgsql;
using static JitBot.Storage.Postgres.PostgresValues;

namespace JitBot.Storage.Postgres;

/// <summary>
/// The reads a store and a transaction share, each in one round trip through the connection's
/// <see cref="PostgresBatcher"/> (so, in a transaction, after its deferred writes). In a transaction, reading a
/// request locks its row (<c>FOR UPDATE</c>) until the transaction ends.
/// </summary>
internal sealed class PostgresSession(PostgresBatcher batcher)
{
    public async Task<AccessRequest?> FindRequestAsync(RequestId id, bool lockRow, CancellationToken cancellationToken)
    {
        // The lock is taken first, so the votes read next (each statement reads what was committed when it began)
        // are the ones nobody else can add to until this transaction ends.
        List<NpgsqlBatchCommand> statements = lockRow ? [Statement("SELECT 1 FROM jitbot.requests WHERE id = @id FOR UPDATE").With("id", id.Value)] : [];
        statements.Add(VotesStatement(id));
        statements.Add(Statement($"SELECT {RequestColumns} FROM jitbot.requests WHERE id = @id").With("id", id.Value));
        AccessRequest? request = null;
        await batcher.SendAsync(statements, async results =>
        {
            if (lockRow && (await results.NextAsync(_ => true).ConfigureAwait(false)).Count == 0) return;
            var votes = await results.NextAsync(ToVote).ConfigureAwait(false);
            request = (await results.NextAsync(r => ToRequest(r, votes)).ConfigureAwait(false)).SingleOrDefault();
        }, cancellationToken).ConfigureAwait(false);
        return request;
    }

    public async Task<IReadOnlyList<VoteRecord>> VotesAsync(RequestId id, CancellationToken cancellationToken) =>
        await batcher.ListAsync(VotesStatement(id), ToVote, cancellationToken).ConfigureAwait(false);

    static NpgsqlBatchCommand VotesStatement(RequestId id) =>
        Statement($"SELECT {VoteColumns} FROM jitbot.approval_votes WHERE request_id = @id ORDER BY at, approver_id COLLATE \"C\"").With("id", id.Value);

    /// <summary>The requests with these ids, each with its votes: one round trip however many there are.</summary>
    public async Task<IReadOnlyList<AccessRequest>> FindRequestsAsync(string[] ids, CancellationToken cancellationToken)
    {
        if (ids.Length == 0) return [];
        IReadOnlyList<AccessRequest> requests = [];
        await batcher.SendAsync([
            Statement($"SELECT {VoteColumns}, request_id FROM jitbot.approval_votes WHERE request_id = ANY(@ids) ORDER BY at, approver_id COLLATE \"C\"").With("ids", ids),
            Statement($"SELECT {RequestColumns} FROM jitbot.requests WHERE id = ANY(@ids)").With("ids", ids),
        ], async results =>
        {
            var votes = (await results.NextAsync(r => (Request: r.GetString(4), Vote: ToVote(r))).ConfigureAwait(false))
                .ToLookup(v => v.Request, v => v.Vote, StringComparer.Ordinal);
            requests = await results.NextAsync(r => ToRequest(r, votes[r.GetString(0)].ToList())).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return requests;
    }

    public async Task<GrantRecord?> FindGrantAsync(string column, string value, CancellationToken cancellationToken) =>
        (await batcher.ListAsync(Statement($"SELECT {GrantColumns} FROM jitbot.grants WHERE {column} = @value").With("value", value), ToGrant, cancellationToken)
            .ConfigureAwait(false)).SingleOrDefault();
}
