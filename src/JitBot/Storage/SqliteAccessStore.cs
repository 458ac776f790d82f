using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Dapper;
using JitBot.Audit;
using JitBot.Policies;
using JitBot.Requests;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace JitBot.Storage;

/// <summary>
/// The SQLite store: one file, WAL (<c>synchronous</c> NORMAL, or FULL with
/// <see cref="StorageOptions.DurableCommits"/>), a busy timeout, and <c>BEGIN IMMEDIATE</c> write
/// transactions so that writers queue instead of failing. State changes are still written as compare-and-swap statements, so the
/// same code is correct on a database that runs writers side by side.
/// </summary>
public sealed class SqliteAccessStore : IAccessStore, IMessageRefStore
{
    const int BusyTimeoutMs = 10_000;
    readonly string _connectionString;
    readonly OutboxSignal _signal;
    readonly string _synchronous;
    readonly SemaphoreSlim _migrateLock = new(1, 1);
    volatile bool _migrated;

    public SqliteAccessStore(IOptions<StorageOptions> options, OutboxSignal signal)
        : this(options.Value.ConnectionString, signal, options.Value.DurableCommits)
    {
    }

    public SqliteAccessStore(string connectionString, OutboxSignal signal, bool durableCommits = false)
    {
        _connectionString = PrepareConnectionString(connectionString);
        _signal = signal;
        _synchronous = durableCommits ? "FULL" : "NORMAL";
    }

    public string ConnectionString => _connectionString;

    /// <summary>Normalises the connection string and creates the database folder when it is missing.</summary>
    public static string PrepareConnectionString(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(
            string.IsNullOrWhiteSpace(connectionString) ? StorageOptions.DefaultConnectionString : connectionString);
        if (builder.DefaultTimeout < BusyTimeoutMs / 1000) builder.DefaultTimeout = BusyTimeoutMs / 1000;
        var file = builder.DataSource;
        if (!string.IsNullOrEmpty(file) && file != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        }
        return builder.ToString();
    }

    internal async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken, bool durable = false)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var pragma = connection.CreateCommand())
        {
            // Pooled connections keep their pragmas, so the safety level is set on every open.
            pragma.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA foreign_keys = ON; PRAGMA synchronous = {(durable ? "FULL" : _synchronous)};";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return connection;
    }

    // ---- schema ---------------------------------------------------------------------------------------

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (_migrated) return;
        await _migrateLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_migrated) return;
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL;").ConfigureAwait(false);
            await connection.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS schema_version (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT    NOT NULL,
                    applied_at TEXT    NOT NULL
                );
                """).ConfigureAwait(false);
            foreach (var (version, name, sql) in SqliteMigrations.All.OrderBy(m => m.Version))
            {
                await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                var applied = await connection.ExecuteScalarAsync<long>(
                    "SELECT COUNT(*) FROM schema_version WHERE version = @version", new { version }, tx).ConfigureAwait(false);
                if (applied > 0) continue;
                await connection.ExecuteAsync(sql, transaction: tx).ConfigureAwait(false);
                await connection.ExecuteAsync(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (@version, @name, @at)",
                    new { version, name, at = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) }, tx).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            _migrated = true;
        }
        finally
        {
            _migrateLock.Release();
        }
    }

    public async Task<int> SchemaVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (int)await connection.ExecuteScalarAsync<long>("SELECT COALESCE(MAX(version), 0) FROM schema_version").ConfigureAwait(false);
    }

    // ---- transactions ---------------------------------------------------------------------------------

    public Task<IAccessStoreTransaction> BeginAsync(CancellationToken cancellationToken) => BeginAsync(durable: false, cancellationToken);

    // In WAL mode a FULL commit syncs the log up to and including itself, so every earlier NORMAL commit is
    // made durable with it.
    public Task<IAccessStoreTransaction> BeginDurableAsync(CancellationToken cancellationToken) => BeginAsync(durable: true, cancellationToken);

    async Task<IAccessStoreTransaction> BeginAsync(bool durable, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken, durable).ConfigureAwait(false);
        try
        {
            // Not deferred: BEGIN IMMEDIATE takes the write lock up front (waiting on the busy timeout), so a
            // read followed by a write inside one transaction can never fail half way with SQLITE_BUSY.
            var tx = connection.BeginTransaction(deferred: false);
            return new Transaction(connection, tx, _signal);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    sealed class Transaction(SqliteConnection connection, SqliteTransaction tx, OutboxSignal signal) : IAccessStoreTransaction
    {
        bool _enqueued, _committed, _disposed;

        public Task<AccessRequest?> FindRequestAsync(RequestId id, CancellationToken cancellationToken) =>
            LoadRequestAsync(connection, tx, id);

        public async Task<IReadOnlyList<VoteRecord>> VotesAsync(RequestId id, CancellationToken cancellationToken)
        {
            var rows = await connection.QueryAsync<VoteRow>(
                "SELECT approver_id AS ApproverId, approve AS Approve, counts_for AS CountsFor, at AS At FROM approval_votes WHERE request_id = @id ORDER BY at, approver_id",
                new { id = id.Value }, tx).ConfigureAwait(false);
            return rows.Select(r => r.ToRecord()).ToList();
        }

        public Task InsertRequestAsync(AccessRequest r, DateTimeOffset? timeoutAt, CancellationToken cancellationToken) =>
            connection.ExecuteAsync("""
                INSERT INTO requests (id, requester_id, resource_id, requested_duration_ms, reason, channel_id, channel_name,
                    incident, state, created_at, decided_at, decided_by, timeout_at, policy_version, decision_json)
                VALUES (@Id, @RequesterId, @ResourceId, @RequestedDurationMs, @Reason, @ChannelId, @ChannelName,
                    @Incident, @State, @CreatedAt, @DecidedAt, @DecidedBy, @TimeoutAt, @PolicyVersion, @DecisionJson)
                """,
                new
                {
                    Id = r.Id.Value,
                    r.RequesterId,
                    r.ResourceId,
                    RequestedDurationMs = r.RequestedDuration is { } d ? (long?)(long)d.TotalMilliseconds : null,
                    r.Reason,
                    r.ChannelId,
                    r.ChannelName,
                    Incident = r.Incident ? 1 : 0,
                    State = r.State.ToString(),
                    CreatedAt = Ms(r.CreatedAt),
                    DecidedAt = Ms(r.DecidedAt),
                    r.DecidedBy,
                    TimeoutAt = Ms(timeoutAt),
                    r.Decision.PolicyVersion,
                    DecisionJson = DecisionJson.Serialize(r.Decision),
                }, tx);

        public async Task<bool> TryMoveRequestAsync(RequestId id, RequestState expected, RequestState next, DateTimeOffset at, string? decidedBy, CancellationToken cancellationToken)
        {
            var rows = await connection.ExecuteAsync("""
                UPDATE requests SET state = @next, decided_at = COALESCE(decided_at, @at), decided_by = COALESCE(decided_by, @decidedBy)
                WHERE id = @id AND state = @expected
                """,
                new { id = id.Value, expected = expected.ToString(), next = next.ToString(), at = Ms(at), decidedBy }, tx).ConfigureAwait(false);
            return rows == 1;
        }

        public async Task<bool> TryAddVoteAsync(RequestId id, VoteRecord vote, CancellationToken cancellationToken)
        {
            var rows = await connection.ExecuteAsync("""
                INSERT INTO approval_votes (request_id, approver_id, approve, counts_for, at)
                VALUES (@id, @approver, @approve, @countsFor, @at)
                ON CONFLICT (request_id, approver_id) DO NOTHING
                """,
                new
                {
                    id = id.Value,
                    approver = vote.Vote.ApproverId,
                    approve = vote.Vote.Approve ? 1 : 0,
                    countsFor = JsonSerializer.Serialize(vote.CountsFor),
                    at = Ms(vote.Vote.At),
                }, tx).ConfigureAwait(false);
            return rows == 1;
        }

        public Task InsertGrantAsync(GrantRecord g, CancellationToken cancellationToken) =>
            connection.ExecuteAsync("""
                INSERT INTO grants (id, request_id, user_id, resource_id, provider_type, access_key, granted_at, expires_at,
                    state, ended_at, revoke_attempts, next_revoke_at, last_error, provisioned_at)
                VALUES (@Id, @RequestId, @UserId, @ResourceId, @ProviderType, @AccessKey, @GrantedAt, @ExpiresAt,
                    @State, @EndedAt, @RevokeAttempts, @NextRevokeAt, @LastError, @ProvisionedAt)
                """,
                new
                {
                    Id = g.Grant.Id.Value,
                    RequestId = g.Grant.RequestId.Value,
                    g.Grant.UserId,
                    g.Grant.ResourceId,
                    g.ProviderType,
                    g.AccessKey,
                    GrantedAt = Ms(g.Grant.GrantedAt),
                    ExpiresAt = Ms(g.Grant.ExpiresAt),
                    State = g.Grant.State.ToString(),
                    EndedAt = Ms(g.Grant.EndedAt),
                    g.RevokeAttempts,
                    NextRevokeAt = Ms(g.NextRevokeAt),
                    g.LastError,
                    ProvisionedAt = Ms(g.ProvisionedAt),
                }, tx);

        public async Task<GrantRecord?> FindGrantAsync(GrantId id, CancellationToken cancellationToken) =>
            (await connection.QueryFirstOrDefaultAsync<GrantRow>(GrantSelect + " WHERE id = @id", new { id = id.Value }, tx).ConfigureAwait(false))?.ToRecord();

        public async Task<bool> TryMoveGrantAsync(GrantId id, GrantState expected, GrantState next, DateTimeOffset at, CancellationToken cancellationToken)
        {
            var rows = await connection.ExecuteAsync(
                "UPDATE grants SET state = @next, ended_at = @at, next_revoke_at = NULL WHERE id = @id AND state = @expected",
                new { id = id.Value, expected = expected.ToString(), next = next.ToString(), at = Ms(at) }, tx).ConfigureAwait(false);
            return rows == 1;
        }

        public Task RecordRevokeFailureAsync(GrantId id, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken) =>
            connection.ExecuteAsync(
                "UPDATE grants SET revoke_attempts = @attempts, next_revoke_at = @next, last_error = @error WHERE id = @id AND state = 'Active'",
                new { id = id.Value, attempts, next = Ms(nextAttemptAt), error }, tx);

        public async Task<bool> TryMarkProvisionedAsync(GrantId id, DateTimeOffset at, CancellationToken cancellationToken) =>
            await connection.ExecuteAsync(
                "UPDATE grants SET provisioned_at = @at WHERE id = @id AND state = 'Active' AND provisioned_at IS NULL",
                new { id = id.Value, at = Ms(at) }, tx).ConfigureAwait(false) == 1;

        public async Task<IReadOnlyList<GrantRecord>> ActiveGrantsForKeyAsync(string accessKey, CancellationToken cancellationToken) =>
            (await connection.QueryAsync<GrantRow>(GrantSelect + " WHERE access_key = @accessKey AND state = 'Active' ORDER BY expires_at", new { accessKey }, tx).ConfigureAwait(false))
                .Select(r => r.ToRecord()).ToList();

        public async Task EnqueueAsync(NotificationKind kind, RequestId requestId, GrantId? grantId, string? payload, DateTimeOffset at, CancellationToken cancellationToken)
        {
            await connection.ExecuteAsync("""
                INSERT INTO outbox (kind, request_id, grant_id, payload, created_at, attempts, next_attempt_at)
                VALUES (@kind, @requestId, @grantId, @payload, @at, 0, @at)
                """,
                new { kind = kind.ToString(), requestId = requestId.Value, grantId = grantId?.Value, payload, at = Ms(at) }, tx).ConfigureAwait(false);
            _enqueued = true;
        }

        public async Task<AuditRecord> AppendAuditAsync(AuditEvent e, CancellationToken cancellationToken)
        {
            // The write lock is held (BEGIN IMMEDIATE), so nobody can append between this read and the insert.
            var last = await connection.QueryFirstOrDefaultAsync<(long Seq, string Hash)?>(
                "SELECT seq AS Seq, hash AS Hash FROM audit_events ORDER BY seq DESC LIMIT 1", transaction: tx).ConfigureAwait(false);
            var seq = (last?.Seq ?? 0) + 1;
            var previous = last?.Hash ?? AuditChain.Genesis;
            var hash = AuditChain.Hash(previous, seq, e);
            await connection.ExecuteAsync("""
                INSERT INTO audit_events (seq, at, kind, actor, request_id, grant_id, data, prev_hash, hash)
                VALUES (@seq, @at, @kind, @actor, @requestId, @grantId, @data, @previous, @hash)
                """,
                new
                {
                    seq,
                    at = Ms(e.At),
                    kind = e.Kind,
                    actor = e.Actor,
                    requestId = e.RequestId,
                    grantId = e.GrantId,
                    data = AuditRow.SerializeData(e.Data),
                    previous,
                    hash,
                }, tx).ConfigureAwait(false);
            return new AuditRecord(seq, e, previous, hash);
        }

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            _committed = true;
            if (_enqueued) signal.Notify();
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed) return;
            _disposed = true;
            if (!_committed)
            {
                try { await tx.RollbackAsync().ConfigureAwait(false); }
                catch (Exception) when (connection.State != System.Data.ConnectionState.Open) { }
            }
            await tx.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    // ---- reads ----------------------------------------------------------------------------------------

    public async Task<AccessRequest?> FindRequestAsync(RequestId id, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await LoadRequestAsync(connection, null, id).ConfigureAwait(false);
    }

    public async Task<GrantRecord?> FindGrantAsync(GrantId id, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryFirstOrDefaultAsync<GrantRow>(GrantSelect + " WHERE id = @id", new { id = id.Value }).ConfigureAwait(false))?.ToRecord();
    }

    public async Task<GrantRecord?> FindGrantByRequestAsync(RequestId id, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryFirstOrDefaultAsync<GrantRow>(GrantSelect + " WHERE request_id = @id", new { id = id.Value }).ConfigureAwait(false))?.ToRecord();
    }

    public async Task<IReadOnlyList<RequestId>> OverduePendingAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var ids = await connection.QueryAsync<string>(
            "SELECT id FROM requests WHERE state = 'Pending' AND timeout_at IS NOT NULL AND timeout_at <= @now ORDER BY timeout_at LIMIT @max",
            new { now = Ms(now), max }).ConfigureAwait(false);
        return ids.Select(i => new RequestId(i)).ToList();
    }

    public async Task<IReadOnlyList<GrantId>> OverdueGrantsAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var ids = await connection.QueryAsync<string>(
            "SELECT id FROM grants WHERE state = 'Active' AND expires_at <= @now AND (next_revoke_at IS NULL OR next_revoke_at <= @now) ORDER BY expires_at LIMIT @max",
            new { now = Ms(now), max }).ConfigureAwait(false);
        return ids.Select(i => new GrantId(i)).ToList();
    }

    public async Task<IReadOnlyList<GrantId>> UnprovisionedGrantsAsync(DateTimeOffset grantedBefore, DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var ids = await connection.QueryAsync<string>(
            "SELECT id FROM grants WHERE state = 'Active' AND provisioned_at IS NULL AND granted_at <= @grantedBefore AND expires_at > @now ORDER BY granted_at LIMIT @max",
            new { grantedBefore = Ms(grantedBefore), now = Ms(now), max }).ConfigureAwait(false);
        return ids.Select(i => new GrantId(i)).ToList();
    }

    public async Task<IReadOnlyList<GrantRecord>> ActiveGrantsAsync(CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<GrantRow>(GrantSelect + " WHERE state = 'Active' ORDER BY expires_at").ConfigureAwait(false))
            .Select(r => r.ToRecord()).ToList();
    }

    public async Task<IReadOnlyList<OutboxMessage>> DueNotificationsAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<OutboxRow>("""
            SELECT id AS Id, kind AS Kind, request_id AS RequestId, grant_id AS GrantId, payload AS Payload, attempts AS Attempts,
                   created_at AS CreatedAt, next_attempt_at AS NextAttemptAt, last_error AS LastError
            FROM outbox o
            WHERE delivered_at IS NULL AND next_attempt_at <= @now
              AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.request_id = o.request_id AND p.delivered_at IS NULL AND p.id < o.id)
            ORDER BY id LIMIT @max
            """, new { now = Ms(now), max }).ConfigureAwait(false);
        return rows.Select(r => r.ToMessage()).ToList();
    }

    public async Task<int> UndeliveredCountAsync(CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (int)await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").ConfigureAwait(false);
    }

    public async Task MarkDeliveredAsync(long outboxId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE outbox SET delivered_at = @at, attempts = attempts + 1, last_error = NULL WHERE id = @outboxId AND delivered_at IS NULL",
            new { outboxId, at = Ms(at) }).ConfigureAwait(false);
    }

    public async Task MarkDeliveryFailedAsync(long outboxId, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE outbox SET attempts = @attempts, next_attempt_at = @next, last_error = @error WHERE id = @outboxId AND delivered_at IS NULL",
            new { outboxId, attempts, next = Ms(nextAttemptAt), error }).ConfigureAwait(false);
    }

    const string AuditSelect = "SELECT seq AS Seq, at AS At, kind AS Kind, actor AS Actor, request_id AS RequestId, grant_id AS GrantId, data AS Data, prev_hash AS PrevHash, hash AS Hash FROM audit_events";

    public async Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(long afterSeq, int max, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<AuditRow>(AuditSelect + " WHERE seq > @afterSeq ORDER BY seq LIMIT @max", new { afterSeq, max }).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<IReadOnlyList<AuditRecord>> AuditForRequestAsync(string requestId, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<AuditRow>(AuditSelect + " WHERE request_id = @requestId ORDER BY seq", new { requestId }).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).ToList();
    }

    // ---- message references -----------------------------------------------------------------------------

    public async Task SaveAsync(MessageRef reference, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("""
            INSERT INTO message_refs (request_id, kind, channel, ts) VALUES (@requestId, @kind, @channel, @ts)
            ON CONFLICT (request_id, kind) DO UPDATE SET channel = excluded.channel, ts = excluded.ts
            """,
            new { requestId = reference.RequestId.Value, kind = reference.Kind, channel = reference.Channel, ts = reference.Ts }).ConfigureAwait(false);
    }

    public async Task<MessageRef?> FindAsync(RequestId requestId, string kind, CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QueryFirstOrDefaultAsync<(string Channel, string Ts)?>(
            "SELECT channel AS Channel, ts AS Ts FROM message_refs WHERE request_id = @requestId AND kind = @kind",
            new { requestId = requestId.Value, kind }).ConfigureAwait(false);
        return row is { } r ? new MessageRef(requestId, kind, r.Channel, r.Ts) : null;
    }

    // ---- mapping --------------------------------------------------------------------------------------

    static long? Ms(DateTimeOffset? at) => at?.ToUnixTimeMilliseconds();
    static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();
    static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    static DateTimeOffset? At(long? ms) => ms is { } v ? At(v) : null;

    static async Task<AccessRequest?> LoadRequestAsync(DbConnection connection, DbTransaction? tx, RequestId id)
    {
        var row = await connection.QueryFirstOrDefaultAsync<RequestRow>("""
            SELECT id AS Id, requester_id AS RequesterId, resource_id AS ResourceId, requested_duration_ms AS RequestedDurationMs,
                   reason AS Reason, channel_id AS ChannelId, channel_name AS ChannelName, incident AS Incident, state AS State,
                   created_at AS CreatedAt, decided_at AS DecidedAt, decided_by AS DecidedBy, decision_json AS DecisionJson
            FROM requests WHERE id = @id
            """, new { id = id.Value }, tx).ConfigureAwait(false);
        if (row is null) return null;
        var votes = await connection.QueryAsync<VoteRow>(
            "SELECT approver_id AS ApproverId, approve AS Approve, counts_for AS CountsFor, at AS At FROM approval_votes WHERE request_id = @id ORDER BY at, approver_id",
            new { id = id.Value }, tx).ConfigureAwait(false);
        return row.ToRequest(votes.Select(v => v.ToRecord().Vote).ToList());
    }

    const string GrantSelect = """
        SELECT id AS Id, request_id AS RequestId, user_id AS UserId, resource_id AS ResourceId, provider_type AS ProviderType,
               access_key AS AccessKey, granted_at AS GrantedAt, expires_at AS ExpiresAt, state AS State, ended_at AS EndedAt,
               revoke_attempts AS RevokeAttempts, next_revoke_at AS NextRevokeAt, last_error AS LastError,
               provisioned_at AS ProvisionedAt
        FROM grants
        """;

    sealed class RequestRow
    {
        public string Id { get; set; } = "";
        public string RequesterId { get; set; } = "";
        public string ResourceId { get; set; } = "";
        public long? RequestedDurationMs { get; set; }
        public string? Reason { get; set; }
        public string? ChannelId { get; set; }
        public string? ChannelName { get; set; }
        public long Incident { get; set; }
        public string State { get; set; } = "";
        public long CreatedAt { get; set; }
        public long? DecidedAt { get; set; }
        public string? DecidedBy { get; set; }
        public string DecisionJson { get; set; } = "";

        public AccessRequest ToRequest(IReadOnlyList<ApprovalVote> votes) => new(
            new RequestId(Id), RequesterId, ResourceId,
            RequestedDurationMs is { } d ? TimeSpan.FromMilliseconds(d) : null,
            Reason, ChannelId, ChannelName, Incident != 0,
            Enum.Parse<RequestState>(State), At(CreatedAt), At(DecidedAt), DecidedBy,
            Storage.DecisionJson.Deserialize(DecisionJson), votes);
    }

    sealed class VoteRow
    {
        public string ApproverId { get; set; } = "";
        public long Approve { get; set; }
        public string CountsFor { get; set; } = "[]";
        public long At { get; set; }

        public VoteRecord ToRecord() => new(
            new ApprovalVote(ApproverId, Approve != 0, SqliteAccessStore.At(At)),
            JsonSerializer.Deserialize<int[]>(CountsFor) ?? []);
    }

    sealed class GrantRow
    {
        public string Id { get; set; } = "";
        public string RequestId { get; set; } = "";
        public string UserId { get; set; } = "";
        public string ResourceId { get; set; } = "";
        public string ProviderType { get; set; } = "";
        public string AccessKey { get; set; } = "";
        public long GrantedAt { get; set; }
        public long ExpiresAt { get; set; }
        public string State { get; set; } = "";
        public long? EndedAt { get; set; }
        public long RevokeAttempts { get; set; }
        public long? NextRevokeAt { get; set; }
        public string? LastError { get; set; }
        public long? ProvisionedAt { get; set; }

        public GrantRecord ToRecord() => new(
            new Grant(new GrantId(Id), new RequestId(RequestId), UserId, ResourceId, At(GrantedAt), At(ExpiresAt),
                Enum.Parse<GrantState>(State), At(EndedAt)),
            ProviderType, AccessKey, (int)RevokeAttempts, At(NextRevokeAt), LastError, At(ProvisionedAt));
    }

    sealed class OutboxRow
    {
        public long Id { get; set; }
        public string Kind { get; set; } = "";
        public string RequestId { get; set; } = "";
        public string? GrantId { get; set; }
        public string? Payload { get; set; }
        public long Attempts { get; set; }
        public long CreatedAt { get; set; }
        public long NextAttemptAt { get; set; }
        public string? LastError { get; set; }

        public OutboxMessage ToMessage() => new(
            Id, Enum.Parse<NotificationKind>(Kind), new RequestId(RequestId),
            GrantId is null ? null : new GrantId(GrantId), Payload, (int)Attempts, At(CreatedAt), At(NextAttemptAt), LastError);
    }

    sealed class AuditRow
    {
        public long Seq { get; set; }
        public long At { get; set; }
        public string Kind { get; set; } = "";
        public string Actor { get; set; } = "";
        public string? RequestId { get; set; }
        public string? GrantId { get; set; }
        public string Data { get; set; } = "{}";
        public string PrevHash { get; set; } = "";
        public string Hash { get; set; } = "";

        public static string SerializeData(IReadOnlyDictionary<string, string?>? data) =>
            JsonSerializer.Serialize(data is null
                ? new SortedDictionary<string, string?>(StringComparer.Ordinal)
                : new SortedDictionary<string, string?>(data.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal));

        public AuditRecord ToRecord() => new(
            Seq,
            new AuditEvent(Kind, SqliteAccessStore.At(At), Actor, RequestId, GrantId,
                JsonSerializer.Deserialize<Dictionary<string, string?>>(Data) ?? new Dictionary<string, string?>()),
            PrevHash, Hash);
    }
}
