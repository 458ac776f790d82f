using JitBot.Audit;
using JitBot.Incidents;
using JitBot.Requests;
using Microsoft.Extensions.Options;
using Npgsql;
using static JitBot.Storage.Postgres.PostgresValues;

namespace JitBot.Storage.Postgres;

/// <summary>
/// The server store, for one or several replicas sharing a PostgreSQL database (schema <c>jitbot</c>). Every
/// guarantee of the contract holds across processes: states move by compare-and-swap, a request read in a
/// transaction is locked (<c>FOR UPDATE</c>), audit appends are serialized by a locked chain head, notices and
/// revocations are claimed with leases (<c>FOR UPDATE SKIP LOCKED</c>, owner and expiry), message references and
/// seen keys are set once by unique keys, and migrations run under an advisory lock. Connections come from one
/// pool; every command has a timeout (<see cref="PostgresConnection"/>).
/// </summary>
public sealed partial class PostgresAccessStore : IAccessStore, IAsyncDisposable, IDisposable
{
    readonly NpgsqlConnectionStringBuilder _settings;
    readonly NpgsqlDataSource _dataSource;
    readonly OutboxSignal _signal;
    readonly TimeProvider _time;
    long _nextSeenKeyCleanup;

    public PostgresAccessStore(IOptions<StorageOptions> options, OutboxSignal signal, TimeProvider time, PostgresPoolSize? pool = null)
        : this(options.Value.ConnectionString, signal, time, pool)
    {
    }

    /// <summary>A store on <paramref name="connectionString"/>, whose pool follows <paramref name="pool"/> (Npgsql's 100 without it).</summary>
    public PostgresAccessStore(string connectionString, OutboxSignal signal, TimeProvider time, PostgresPoolSize? pool = null)
    {
        _settings = PostgresConnection.Parse(connectionString, pool);
        _dataSource = NpgsqlDataSource.Create(_settings);
        _signal = signal;
        _time = time;
    }

    /// <summary>Where the database is, for the start-up line: host, port and database, never the user or password.</summary>
    public string Description => PostgresConnection.Describe(_settings);

    /// <summary>The most connections the store's pool opens.</summary>
    public int MaxPoolSize => _settings.MaxPoolSize;

    NpgsqlCommand Command(string sql) => _dataSource.CreateCommand(sql);

    async Task<int> ExecuteAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command) return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    async Task<List<T>> ListAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using (command) return await command.ListAsync(read, cancellationToken).ConfigureAwait(false);
    }

    async Task<T> WithSessionAsync<T>(Func<PostgresSession, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await work(new PostgresSession(new PostgresBatcher(connection, null))).ConfigureAwait(false);
    }

    // ---- schema and health ---------------------------------------------------------------------------------

    /// <summary>Creates the schema or brings it up to date under the advisory lock; a database JitBot cannot use stops with a sentence.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await PostgresMigrations.ApplyAsync(connection, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw PostgresConnection.Unreachable(_settings, e);
        }
    }

    /// <summary>The highest migration applied.</summary>
    public async Task<int> SchemaVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await PostgresMigrations.VersionAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Nothing to wait for: PostgreSQL makes each commit durable before it answers (<c>synchronous_commit</c>, on by default).</summary>
    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = Command("SELECT 1 FROM jitbot.audit_head");
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw PostgresConnection.Unreachable(_settings, e);
        }
    }

    // ---- transactions --------------------------------------------------------------------------------------

    public async Task<IAccessStoreTransaction> BeginAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            return new PostgresTransaction(connection, transaction, _signal);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Every PostgreSQL commit is on disk before it returns (<c>synchronous_commit</c> is on unless the server was told otherwise).</summary>

    // ---- requests and grants -------------------------------------------------------------------------------

    public Task<AccessRequest?> FindRequestAsync(RequestId id, CancellationToken cancellationToken) =>
        WithSessionAsync(s => s.FindRequestAsync(id, lockRow: false, cancellationToken), cancellationToken);

    public Task<GrantRecord?> FindGrantAsync(GrantId id, CancellationToken cancellationToken) =>
        WithSessionAsync(s => s.FindGrantAsync("id", id.Value, cancellationToken), cancellationToken);

    public Task<GrantRecord?> FindGrantByRequestAsync(RequestId id, CancellationToken cancellationToken) =>
        WithSessionAsync(s => s.FindGrantAsync("request_id", id.Value, cancellationToken), cancellationToken);

    public async Task<IReadOnlyList<RequestId>> OverduePendingAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        await ListAsync(Command("""
            SELECT id FROM jitbot.requests WHERE state = 'Pending' AND timeout_at IS NOT NULL AND timeout_at <= @now ORDER BY timeout_at, id LIMIT @max
            """).With("now", Ts(now)).With("max", max), r => new RequestId(r.GetString(0)), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<PendingTimeout>> PendingTimeoutsAsync(CancellationToken cancellationToken) =>
        await ListAsync(Command("SELECT id, timeout_at FROM jitbot.requests WHERE state = 'Pending' AND timeout_at IS NOT NULL ORDER BY timeout_at, id"),
            r => new PendingTimeout(new RequestId(r.GetString(0)), r.GetFieldValue<DateTimeOffset>(1)), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<GrantId>> OverdueGrantsAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        await ListAsync(Command("""
            SELECT id FROM jitbot.grants WHERE state = 'Active' AND GREATEST(expires_at, next_revoke_at) <= @now
            ORDER BY GREATEST(expires_at, next_revoke_at), id LIMIT @max
            """).With("now", Ts(now)).With("max", max), r => new GrantId(r.GetString(0)), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<GrantRecord>> ActiveGrantsAsync(CancellationToken cancellationToken) =>
        await ListAsync(Command($"SELECT {GrantColumns} FROM jitbot.grants WHERE state = 'Active' ORDER BY expires_at, id"), ToGrant, cancellationToken)
            .ConfigureAwait(false);

    public async Task<int> ActiveGrantCountAsync(CancellationToken cancellationToken)
    {
        await using var command = Command("SELECT COUNT(*) FROM jitbot.grants WHERE state = 'Active'");
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<GrantId>> UnprovisionedGrantsAsync(DateTimeOffset grantedBefore, DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        await ListAsync(Command("""
            SELECT id FROM jitbot.grants WHERE state = 'Active' AND provisioned_at IS NULL AND granted_at <= @before AND expires_at > @now
            ORDER BY granted_at, id LIMIT @max
            """).With("before", Ts(grantedBefore)).With("now", Ts(now)).With("max", max), r => new GrantId(r.GetString(0)), cancellationToken).ConfigureAwait(false);

    public Task<IReadOnlyList<AccessRequest>> FindRequestsAsync(IReadOnlyCollection<RequestId> ids, CancellationToken cancellationToken) =>
        WithSessionAsync(s => s.FindRequestsAsync(ids.Select(i => i.Value).Distinct().ToArray(), cancellationToken), cancellationToken);

    public async Task<IReadOnlyList<GrantRecord>> LeaseRevocationsAsync(IReadOnlyCollection<GrantId> ids, string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        ids.Count == 0 ? [] : await ListAsync(Command($"""
            UPDATE jitbot.grants SET revoke_owner = @owner, revoke_lease_until = @until
            WHERE id = ANY(@ids) AND state = 'Active' AND (revoke_lease_until IS NULL OR revoke_lease_until <= @now)
            RETURNING {GrantColumns}
            """).With("ids", ids.Select(i => i.Value).Distinct().ToArray()).With("owner", owner).With("until", Ts(now + lease)).With("now", Ts(now)),
            ToGrant, cancellationToken).ConfigureAwait(false);

    public async Task ReleaseRevocationsAsync(IReadOnlyCollection<GrantId> ids, string owner, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return;
        await ExecuteAsync(Command("UPDATE jitbot.grants SET revoke_owner = NULL, revoke_lease_until = NULL WHERE id = ANY(@ids) AND revoke_owner = @owner")
            .With("ids", ids.Select(i => i.Value).Distinct().ToArray()).With("owner", owner), cancellationToken).ConfigureAwait(false);
    }

    // Prefixes are compared as bytes (~>=~ and ~<~, the text_pattern_ops operators), so the id index serves them
    // with the prefix as a parameter and whatever collation the database has.
    public async Task<IReadOnlyList<GrantRecord>> FindGrantsByIdPrefixAsync(string idPrefix, int max, CancellationToken cancellationToken) =>
        !IdPrefix.IsSearchable(idPrefix) || max <= 0 ? [] : await ListAsync(Command($"""
            SELECT {GrantColumns} FROM jitbot.grants WHERE id ~>=~ @lo AND id ~<~ @hi ORDER BY id COLLATE "C" LIMIT @max
            """).With("lo", idPrefix).With("hi", IdPrefix.UpperBound(idPrefix)).With("max", max), ToGrant, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<AccessRequest>> FindRequestsByIdPrefixAsync(string idPrefix, int max, CancellationToken cancellationToken)
    {
        if (!IdPrefix.IsSearchable(idPrefix) || max <= 0) return [];
        var ids = await ListAsync(Command("""
            SELECT id FROM jitbot.requests WHERE id ~>=~ @lo AND id ~<~ @hi ORDER BY id COLLATE "C" LIMIT @max
            """).With("lo", idPrefix).With("hi", IdPrefix.UpperBound(idPrefix)).With("max", max), r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        return await RequestsInOrderAsync(ids, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AccessRequest>> RequestsByRequesterAsync(string userId, DateTimeOffset since, int max, CancellationToken cancellationToken)
    {
        if (max <= 0) return [];
        var ids = await ListAsync(Command("""
            SELECT id FROM jitbot.requests WHERE requester_id = @user AND created_at >= @since ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT @max
            """).With("user", userId).With("since", Ts(since)).With("max", max), r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        return await RequestsInOrderAsync(ids, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<GrantRecord>> GrantsForUserAsync(string userId, DateTimeOffset since, int max, CancellationToken cancellationToken) =>
        max <= 0 ? [] : await ListAsync(Command($"""
            SELECT {GrantColumns} FROM jitbot.grants WHERE user_id = @user AND (state = 'Active' OR ended_at >= @since)
            ORDER BY state <> 'Active', CASE WHEN state = 'Active' THEN expires_at END, COALESCE(ended_at, expires_at) DESC, id COLLATE "C"
            LIMIT @max
            """).With("user", userId).With("since", Ts(since)).With("max", max), ToGrant, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<GrantRecord>> UnwarnedGrantsEndingAsync(DateTimeOffset now, DateTimeOffset by, TimeSpan longerThan, int max, CancellationToken cancellationToken) =>
        max <= 0 ? [] : await ListAsync(Command($"""
            SELECT {GrantColumns} FROM jitbot.grants
            WHERE state = 'Active' AND GREATEST(expires_at, next_revoke_at) <= @by AND expires_at > @now
                AND warned_for IS DISTINCT FROM expires_at AND revoked_by IS NULL AND expires_at - granted_at > @longer
            ORDER BY expires_at, id COLLATE "C" LIMIT @max
            """).With("now", Ts(now)).With("by", Ts(by)).With("longer", longerThan).With("max", max), ToGrant, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<AccessRequest>> PendingRequestsAsync(int max, CancellationToken cancellationToken)
    {
        if (max <= 0) return [];
        var ids = await ListAsync(Command("""
            SELECT id FROM jitbot.requests WHERE state = 'Pending' ORDER BY created_at, id COLLATE "C" LIMIT @max
            """).With("max", max), r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        return await RequestsInOrderAsync(ids, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The requests with these ids, with their votes, in the order of <paramref name="ids"/> (one that vanished in between is left out).</summary>
    async Task<IReadOnlyList<AccessRequest>> RequestsInOrderAsync(List<string> ids, CancellationToken cancellationToken)
    {
        var found = (await WithSessionAsync(s => s.FindRequestsAsync(ids.ToArray(), cancellationToken), cancellationToken).ConfigureAwait(false))
            .ToDictionary(r => r.Id.Value, StringComparer.Ordinal);
        return ids.Where(found.ContainsKey).Select(id => found[id]).ToList();
    }

    // ---- incidents ----------------------------------------------------------------------------------------

    public async Task<Incident?> FindIncidentAsync(IncidentId id, CancellationToken cancellationToken) =>
        (await ListAsync(Command($"SELECT {IncidentColumns} FROM jitbot.incidents WHERE id = @id").With("id", id.Value), ToIncident, cancellationToken)
            .ConfigureAwait(false)).SingleOrDefault();

    public async Task<Incident?> CurrentIncidentAsync(string channelId, CancellationToken cancellationToken) =>
        (await ListAsync(Command($"SELECT {IncidentColumns} FROM jitbot.incidents WHERE channel_id = @channel AND state <> 'Ended'").With("channel", channelId),
            ToIncident, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    public async Task<IReadOnlyList<Incident>> IncidentsToEndAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        await ListAsync(Command($"""
            SELECT {IncidentColumns} FROM jitbot.incidents WHERE state <> 'Ended' AND (state = 'Ending' OR ends_at <= @now) ORDER BY ends_at, id
            """).With("now", Ts(now)), ToIncident, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<AccessRequest>> IncidentRequestsAsync(IncidentId id, CancellationToken cancellationToken)
    {
        var ids = await ListAsync(Command("SELECT id FROM jitbot.requests WHERE incident_id = @id").With("id", id.Value), r => r.GetString(0), cancellationToken)
            .ConfigureAwait(false);
        var requests = await WithSessionAsync(s => s.FindRequestsAsync(ids.ToArray(), cancellationToken), cancellationToken).ConfigureAwait(false);
        return requests.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id.Value, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<GrantRecord>> IncidentGrantsAsync(IncidentId id, CancellationToken cancellationToken) =>
        await ListAsync(Command($"""
            SELECT {string.Join(", ", GrantColumns.Split(", ").Select(c => "g." + c))} FROM jitbot.grants g JOIN jitbot.requests r ON r.id = g.request_id
            WHERE r.incident_id = @id ORDER BY g.granted_at, g.id COLLATE "C"
            """).With("id", id.Value), ToGrant, cancellationToken).ConfigureAwait(false);

    // ---- outbox --------------------------------------------------------------------------------------------

    public async Task<IReadOnlyList<OutboxMessage>> ClaimNotificationsAsync(string owner, DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken)
    {
        // Due notices nobody holds, each only when it is the oldest undelivered notice of its lane and of its
        // request, in OutboxOrder: lanes holding ended access first, then the longest due, then the oldest. Rows
        // another claimer is taking right now are skipped rather than waited for. Under READ COMMITTED a row that
        // changed since the snapshot is checked again when it is locked, so a notice just claimed or delivered
        // elsewhere is passed over; a lane's next notice waits for the next claim.
        // The heads of the lanes are found by skipping from lane to lane in the index (lane, id): one probe per
        // lane, whatever the number of notices waiting in each (DISTINCT ON would read them all); whether a lane
        // holds ended access is one probe in outbox_undelivered_ended.
        var claimed = await ListAsync(Command($"""
            WITH RECURSIVE heads AS (
                (SELECT lane, id FROM jitbot.outbox WHERE delivered_at IS NULL ORDER BY lane, id LIMIT 1)
                UNION ALL
                SELECT next.lane, next.id FROM heads h CROSS JOIN LATERAL (
                    SELECT lane, id FROM jitbot.outbox WHERE delivered_at IS NULL AND lane > h.lane ORDER BY lane, id LIMIT 1) next),
            claimable AS (
                SELECT o.id,
                    EXISTS (SELECT 1 FROM jitbot.outbox e WHERE e.lane = o.lane AND e.delivered_at IS NULL AND e.kind IN ({EndedAccessKinds})) AS ended,
                    COALESCE(o.lease_until, o.next_attempt_at) AS due
                FROM jitbot.outbox o JOIN heads h ON h.id = o.id
                WHERE o.delivered_at IS NULL AND COALESCE(o.lease_until, o.next_attempt_at) <= @now
                  AND NOT EXISTS (SELECT 1 FROM jitbot.outbox p WHERE p.request_id = o.request_id AND p.delivered_at IS NULL AND p.id < o.id)
                ORDER BY ended DESC, due, o.id
                LIMIT @max
                FOR UPDATE OF o SKIP LOCKED),
            taken AS (
                UPDATE jitbot.outbox SET claimed_by = @owner, lease_until = @until
                FROM claimable WHERE jitbot.outbox.id = claimable.id
                RETURNING {string.Join(", ", OutboxColumns.Split(", ").Select(c => "jitbot.outbox." + c))}, claimable.ended, claimable.due)
            SELECT {OutboxColumns} FROM taken ORDER BY ended DESC, due, id
            """).With("now", Ts(now)).With("max", max).With("owner", owner).With("until", Ts(now + lease)), ToOutbox, cancellationToken)
            .ConfigureAwait(false);
        return claimed;
    }

    /// <summary>
    /// <see cref="OutboxOrder.EndedAccess"/> as an SQL list, as the index <c>outbox_undelivered_ended</c> names them
    /// (migration 7), so the claim's probe uses it.
    /// </summary>
    static readonly string EndedAccessKinds = string.Join(", ", OutboxOrder.EndedAccess.Select(k => $"'{k}'").Order(StringComparer.Ordinal));

    public async Task<int> UndeliveredCountAsync(CancellationToken cancellationToken)
    {
        await using var command = Command("SELECT COUNT(*) FROM jitbot.outbox WHERE delivered_at IS NULL");
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<OutboxBacklog> OutboxBacklogAsync(CancellationToken cancellationToken) =>
        (await ListAsync(Command("SELECT COUNT(*), MIN(created_at) FROM jitbot.outbox WHERE delivered_at IS NULL"),
            r => new OutboxBacklog((int)r.GetInt64(0), r.IsDBNull(1) ? null : r.GetFieldValue<DateTimeOffset>(1)), cancellationToken).ConfigureAwait(false)).Single();

    public async Task EnqueueNoticeAsync(NotificationKind kind, RequestId subject, string lane, string payload, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(OutboxInsert(kind, subject, null, payload, at, lane));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _signal.Notify();
    }

    public async Task<bool> MarkDeliveredAsync(long outboxId, string owner, DateTimeOffset at, CancellationToken cancellationToken) =>
        await ExecuteAsync(Command("""
            UPDATE jitbot.outbox SET delivered_at = @at, attempts = attempts + 1, last_error = NULL, claimed_by = NULL, lease_until = NULL
            WHERE id = @id AND delivered_at IS NULL AND claimed_by = @owner
            """).With("id", outboxId).With("owner", owner).With("at", Ts(at)), cancellationToken).ConfigureAwait(false) == 1;

    public async Task<bool> MarkDeliveryFailedAsync(long outboxId, string owner, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken) =>
        await ExecuteAsync(Command("""
            UPDATE jitbot.outbox SET attempts = @attempts, next_attempt_at = @next, last_error = @error, claimed_by = NULL, lease_until = NULL
            WHERE id = @id AND delivered_at IS NULL AND claimed_by = @owner
            """).With("id", outboxId).With("owner", owner).With("attempts", attempts).With("next", Ts(nextAttemptAt)).With("error", error), cancellationToken)
            .ConfigureAwait(false) == 1;

    // ---- audit ---------------------------------------------------------------------------------------------

    public async Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(long afterSeq, int max, CancellationToken cancellationToken) =>
        await ListAsync(Command($"SELECT {AuditColumns} FROM jitbot.audit_events WHERE seq > @after ORDER BY seq LIMIT @max")
            .With("after", afterSeq).With("max", max), ToAudit, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<AuditRecord>> AuditForRequestAsync(string requestId, CancellationToken cancellationToken) =>
        await ListAsync(Command($"SELECT {AuditColumns} FROM jitbot.audit_events WHERE request_id = @request ORDER BY seq")
            .With("request", requestId), ToAudit, cancellationToken).ConfigureAwait(false);

    public Task<long> LastAuditSeqAsync(CancellationToken cancellationToken) =>
        ScalarSeqAsync(Command("SELECT COALESCE(MAX(seq), 0) FROM jitbot.audit_events"), cancellationToken);

    // The primary key backwards from the log's end (there is no index on the stamp), up to the first event stamped earlier.
    public Task<long> AuditSeqBeforeAsync(DateTimeOffset at, CancellationToken cancellationToken) =>
        ScalarSeqAsync(Command("SELECT COALESCE((SELECT seq FROM jitbot.audit_events WHERE at < @at ORDER BY seq DESC LIMIT 1), 0)")
            .With("at", Ts(at)), cancellationToken);

    static async Task<long> ScalarSeqAsync(NpgsqlCommand query, CancellationToken cancellationToken)
    {
        await using var command = query;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    // ---- message references --------------------------------------------------------------------------------

    public Task SaveAsync(MessageRef reference, CancellationToken cancellationToken) =>
        ExecuteAsync(Command("""
            INSERT INTO jitbot.message_refs (request_id, kind, channel, ts) VALUES (@request, @kind, @channel, @ts) ON CONFLICT (request_id, kind) DO NOTHING
            """).With("request", reference.RequestId.Value).With("kind", reference.Kind).With("channel", reference.Channel).With("ts", reference.Ts), cancellationToken);

    public async Task<MessageRef?> FindAsync(RequestId requestId, string kind, CancellationToken cancellationToken) =>
        (await ListAsync(Command("SELECT channel, ts FROM jitbot.message_refs WHERE request_id = @request AND kind = @kind")
            .With("request", requestId.Value).With("kind", kind), r => new MessageRef(requestId, kind, r.GetString(0), r.GetString(1)), cancellationToken)
            .ConfigureAwait(false)).SingleOrDefault();

    // ---- seen keys -----------------------------------------------------------------------------------------

    public async Task<bool> FirstSeenAsync(string key, DateTimeOffset now, TimeSpan keepFor, CancellationToken cancellationToken)
    {
        // Expired keys are deleted now and then (every ten minutes per replica), not on every call.
        var nowMs = now.ToUnixTimeMilliseconds();
        var due = Interlocked.Read(ref _nextSeenKeyCleanup);
        if (nowMs >= due && Interlocked.CompareExchange(ref _nextSeenKeyCleanup, nowMs + (long)TimeSpan.FromMinutes(10).TotalMilliseconds, due) == due)
            await ExecuteAsync(Command("DELETE FROM jitbot.seen_keys WHERE expires_at < @now").With("now", Ts(now)), cancellationToken).ConfigureAwait(false);
        // One statement: a new key is inserted, a key whose window has passed is counted again, and a repeat changes nothing.
        return await ExecuteAsync(Command("""
            INSERT INTO jitbot.seen_keys (key, expires_at) VALUES (@key, @expires)
            ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE jitbot.seen_keys.expires_at < @now
            """).With("key", key).With("expires", Ts(now + keepFor)).With("now", Ts(now)), cancellationToken).ConfigureAwait(false) == 1;
    }

    // ---- closing -------------------------------------------------------------------------------------------

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public void Dispose() => _dataSource.Dispose();
}
