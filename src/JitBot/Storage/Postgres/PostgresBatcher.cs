using Npgsql;

namespace JitBot.Storage.Postgres;

/// <summary>
/// Sends statements on one connection (and its transaction, when there is one), each call in one round trip (one
/// <see cref="NpgsqlBatch"/>). A write whose result nobody reads is not sent on its own: <see cref="Defer"/> keeps
/// it, and it goes first in the batch of the next call, before that call's statements, in the order the writes
/// were deferred, so what the call reads sees them. An error in a deferred write is thrown by that call, as the
/// <see cref="PostgresException"/> the write would have thrown by itself; in a transaction, the server has then
/// failed the transaction, and every later statement fails until it is rolled back.
/// </summary>
internal sealed class PostgresBatcher(NpgsqlConnection connection, NpgsqlTransaction? transaction)
{
    readonly List<NpgsqlBatchCommand> _deferred = [];

    /// <summary>Whether writes are waiting for the next call.</summary>
    public bool HasDeferred => _deferred.Count > 0;

    /// <summary>Keeps <paramref name="write"/> for the next call's batch.</summary>
    public void Defer(NpgsqlBatchCommand write) => _deferred.Add(write);

    /// <summary>Runs <paramref name="statement"/> (after the deferred writes); the number of rows it changed.</summary>
    public async Task<int> ExecuteAsync(NpgsqlBatchCommand statement, CancellationToken cancellationToken)
    {
        await SendAsync([statement], null, cancellationToken).ConfigureAwait(false);
        return statement.RecordsAffected;
    }

    /// <summary>Runs <paramref name="query"/> (after the deferred writes) and reads each of its rows with <paramref name="read"/>.</summary>
    public async Task<List<T>> ListAsync<T>(NpgsqlBatchCommand query, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        List<T> rows = [];
        await SendAsync([query], async results => rows = await results.NextAsync(read).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return rows;
    }

    /// <summary>
    /// Sends the deferred writes and then <paramref name="statements"/> in one batch. <paramref name="read"/> reads
    /// the rows of the statements that return rows, one result after the other, in their order (the deferred writes
    /// return none). Nothing is sent when there is nothing to send.
    /// </summary>
    public async Task SendAsync(IReadOnlyList<NpgsqlBatchCommand> statements, Func<PostgresResults, Task>? read, CancellationToken cancellationToken)
    {
        if (_deferred.Count == 0 && statements.Count == 0) return;
        await using var batch = new NpgsqlBatch(connection, transaction);
        // Taken now: sent or failed, they are not sent again (a failure fails the transaction).
        foreach (var write in _deferred) batch.BatchCommands.Add(write);
        _deferred.Clear();
        foreach (var statement in statements) batch.BatchCommands.Add(statement);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (read is not null) await read(new PostgresResults(reader, cancellationToken)).ConfigureAwait(false);
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
            // The rest of the batch runs to its end, so an error in any of its statements is thrown here.
        }
    }
}

/// <summary>The results of one batch, read in the order of its statements that return rows.</summary>
internal sealed class PostgresResults(NpgsqlDataReader reader, CancellationToken cancellationToken)
{
    bool _started;

    /// <summary>Every row of the next result, read with <paramref name="read"/>.</summary>
    public async Task<List<T>> NextAsync<T>(Func<NpgsqlDataReader, T> read)
    {
        if (_started && !await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            throw new InvalidOperationException("The batch has no more results to read.");
        _started = true;
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(read(reader));
        return rows;
    }
}
