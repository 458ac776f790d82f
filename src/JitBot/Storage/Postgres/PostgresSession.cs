using JitBot.Requests;
using Npgsql;
using static JitBot.Storage.Postgres.PostgresValues;

namespace JitBot.Storage.Postgres;

/// <summary>
/// The reads a store and a transaction share, on one connection (and the transaction, when there is one). In a
/// transaction, reading a request locks its row (<c>FOR UPDATE</c>) until the transaction ends.
/// </summary>
internal sealed class PostgresSession(NpgsqlConnection connection, NpgsqlTransaction? transaction)
{
    public NpgsqlCommand Command(string sql) => new(sql, connection, transaction);

    public async Task<AccessRequest?> FindRequestAsync(RequestId id, bool lockRow, CancellationToken cancellationToken)
    {
        if (lockRow)
        {
            // Taken first, so the votes read next are the ones nobody else can add to until this transaction ends.
            await using var lockCommand = Command("SELECT 1 FROM jitbot.requests WHERE id = @id FOR UPDATE").With("id", id.Value);
            if (await lockCommand.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null) return null;
        }
        var votes = await VotesAsync(id, cancellationToken).ConfigureAwait(false);
        await using var command = Command($"SELECT {RequestColumns} FROM jitbot.requests WHERE id = @id").With("id", id.Value);
        return (await command.ListAsync(r => ToRequest(r, votes), cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<VoteRecord>> VotesAsync(RequestId id, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT {VoteColumns} FROM jitbot.approval_votes WHERE request_id = @id ORDER BY at, approver_id COLLATE \"C\"").With("id", id.Value);
        return await command.ListAsync(ToVote, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The requests with these ids, each with its votes: two statements however many there are.</summary>
    public async Task<IReadOnlyList<AccessRequest>> FindRequestsAsync(string[] ids, CancellationToken cancellationToken)
    {
        if (ids.Length == 0) return [];
        await using var votesCommand = Command($"SELECT {VoteColumns}, request_id FROM jitbot.approval_votes WHERE request_id = ANY(@ids) ORDER BY at, approver_id COLLATE \"C\"")
            .With("ids", ids);
        var votes = (await votesCommand.ListAsync(r => (Request: r.GetString(4), Vote: ToVote(r)), cancellationToken).ConfigureAwait(false))
            .ToLookup(v => v.Request, v => v.Vote, StringComparer.Ordinal);
        await using var command = Command($"SELECT {RequestColumns} FROM jitbot.requests WHERE id = ANY(@ids)").With("ids", ids);
        return await command.ListAsync(r => ToRequest(r, votes[r.GetString(0)].ToList()), cancellationToken).ConfigureAwait(false);
    }

    public async Task<GrantRecord?> FindGrantAsync(string column, string value, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT {GrantColumns} FROM jitbot.grants WHERE {column} = @value").With("value", value);
        return (await command.ListAsync(ToGrant, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }
}
