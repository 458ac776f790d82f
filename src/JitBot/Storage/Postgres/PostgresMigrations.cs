using Npgsql;

namespace JitBot.Storage.Postgres;

/// <summary>
/// The PostgreSQL schema <c>jitbot</c>, as ordered migrations. They run under a database-wide advisory lock
/// (<c>pg_advisory_lock</c>), so replicas starting together apply each migration once, one after the other;
/// each migration commits together with its <c>schema_version</c> row. Times are <c>timestamptz</c> kept to
/// the millisecond, as the audit hash has them. Never edit a migration that has shipped: add the next one.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>The schema JitBot's tables (and Quartz's) live in.</summary>
    public const string Schema = "jitbot";

    /// <summary>The advisory lock key every JitBot replica takes while it migrates ("JitBotMg").</summary>
    public const long LockKey = 0x4A6974426F744D67;

    public static readonly IReadOnlyList<(int Version, string Name, string Sql)> All =
    [
        (1, "initial", """
            CREATE TABLE jitbot.requests (
                id text PRIMARY KEY,
                requester_id text NOT NULL,
                resource_id text NOT NULL,
                requested_duration_ms bigint,
                reason text,
                channel_id text,
                channel_name text,
                incident boolean NOT NULL,
                state text NOT NULL,
                created_at timestamptz NOT NULL,
                decided_at timestamptz,
                decided_by text,
                timeout_at timestamptz,
                policy_version text NOT NULL,
                decision_json text NOT NULL);
            CREATE INDEX requests_pending_timeout ON jitbot.requests (timeout_at) WHERE state = 'Pending' AND timeout_at IS NOT NULL;

            CREATE TABLE jitbot.approval_votes (
                request_id text NOT NULL REFERENCES jitbot.requests (id),
                approver_id text NOT NULL,
                approve boolean NOT NULL,
                counts_for integer[] NOT NULL,
                at timestamptz NOT NULL,
                PRIMARY KEY (request_id, approver_id));

            CREATE TABLE jitbot.grants (
                id text PRIMARY KEY,
                request_id text NOT NULL UNIQUE REFERENCES jitbot.requests (id),
                user_id text NOT NULL,
                resource_id text NOT NULL,
                provider_type text NOT NULL,
                access_key text NOT NULL,
                granted_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL,
                state text NOT NULL,
                ended_at timestamptz,
                revoke_attempts integer NOT NULL DEFAULT 0,
                next_revoke_at timestamptz,
                last_error text,
                provisioned_at timestamptz,
                revoke_owner text,
                revoke_lease_until timestamptz);
            CREATE INDEX grants_revoke_due ON jitbot.grants (GREATEST(expires_at, next_revoke_at)) WHERE state = 'Active';
            CREATE INDEX grants_active_key ON jitbot.grants (access_key) WHERE state = 'Active';
            CREATE INDEX grants_unprovisioned ON jitbot.grants (granted_at) WHERE state = 'Active' AND provisioned_at IS NULL;

            CREATE TABLE jitbot.outbox (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                kind text NOT NULL,
                request_id text NOT NULL,
                grant_id text,
                payload text,
                created_at timestamptz NOT NULL,
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz NOT NULL,
                delivered_at timestamptz,
                last_error text,
                claimed_by text,
                lease_until timestamptz);
            CREATE INDEX outbox_due ON jitbot.outbox ((COALESCE(lease_until, next_attempt_at)), id) WHERE delivered_at IS NULL;
            CREATE INDEX outbox_undelivered_request ON jitbot.outbox (request_id, id) WHERE delivered_at IS NULL;

            CREATE TABLE jitbot.audit_events (
                seq bigint PRIMARY KEY,
                at timestamptz NOT NULL,
                kind text NOT NULL,
                actor text NOT NULL,
                request_id text,
                grant_id text,
                data text NOT NULL,
                prev_hash text NOT NULL,
                hash text NOT NULL);
            CREATE INDEX audit_events_request ON jitbot.audit_events (request_id);
            CREATE TABLE jitbot.audit_head (
                id integer PRIMARY KEY CHECK (id = 1),
                seq bigint NOT NULL,
                hash text NOT NULL);
            INSERT INTO jitbot.audit_head (id, seq, hash) VALUES (1, 0, '');

            CREATE TABLE jitbot.message_refs (
                request_id text NOT NULL,
                kind text NOT NULL,
                channel text NOT NULL,
                ts text NOT NULL,
                PRIMARY KEY (request_id, kind));

            CREATE TABLE jitbot.seen_keys (
                key text PRIMARY KEY,
                expires_at timestamptz NOT NULL);
            CREATE INDEX seen_keys_expires ON jitbot.seen_keys (expires_at);
            """),
        // Notices travel in lanes (one per channel or person; Requests/NoticeLanes.cs). Notices queued before
        // lanes existed keep a lane of their own request, which is the order they were delivered in until now.
        (2, "outbox lanes", """
            ALTER TABLE jitbot.outbox ADD COLUMN lane text;
            UPDATE jitbot.outbox SET lane = 'request:' || request_id;
            ALTER TABLE jitbot.outbox ALTER COLUMN lane SET NOT NULL;
            CREATE INDEX outbox_undelivered_lane ON jitbot.outbox (lane, id) WHERE delivered_at IS NULL;
            """),
        // Incidents (at most one not ended per channel: a unique partial index), and the requests made under one.
        (3, "incidents", """
            CREATE TABLE jitbot.incidents (
                id text PRIMARY KEY,
                label text,
                channel_id text NOT NULL,
                channel_name text,
                started_by text NOT NULL,
                started_at timestamptz NOT NULL,
                ends_at timestamptz NOT NULL,
                state text NOT NULL,
                ended_at timestamptz,
                ended_by text,
                end_reason text);
            CREATE UNIQUE INDEX incidents_current_channel ON jitbot.incidents (channel_id) WHERE state <> 'Ended';
            CREATE INDEX incidents_not_ended ON jitbot.incidents (ends_at) WHERE state <> 'Ended';
            ALTER TABLE jitbot.requests ADD COLUMN incident_id text REFERENCES jitbot.incidents (id);
            CREATE INDEX requests_incident ON jitbot.requests (incident_id) WHERE incident_id IS NOT NULL;
            """),
        // What a person sees (/access list, App Home) and short ids: a person's requests and grants, the pending
        // requests oldest first, and ids by prefix (text_pattern_ops: byte order, whatever the database's collation).
        (4, "people's requests and grants", """
            CREATE INDEX requests_requester ON jitbot.requests (requester_id, created_at DESC);
            CREATE INDEX requests_pending_created ON jitbot.requests (created_at) WHERE state = 'Pending';
            CREATE INDEX grants_user ON jitbot.grants (user_id, expires_at);
            CREATE INDEX requests_id_prefix ON jitbot.requests (id text_pattern_ops);
            CREATE INDEX grants_id_prefix ON jitbot.grants (id text_pattern_ops);
            """),
        // Extensions, expiry warnings and Revoke now: a grant counts its extensions, remembers the end its holder was
        // warned about and who asked to end it early; a request may extend a grant.
        (5, "grant extensions, warnings and revocations", """
            ALTER TABLE jitbot.grants ADD COLUMN extensions integer NOT NULL DEFAULT 0;
            ALTER TABLE jitbot.grants ADD COLUMN warned_for timestamptz;
            ALTER TABLE jitbot.grants ADD COLUMN revoked_by text;
            ALTER TABLE jitbot.grants ADD COLUMN revoke_reason text;
            ALTER TABLE jitbot.requests ADD COLUMN extends_grant text REFERENCES jitbot.grants (id);
            ALTER TABLE jitbot.requests ADD COLUMN extends_to timestamptz;
            """),
        // Reminders and escalations of pending requests, each recorded once (a compare-and-swap on a null column),
        // and the reason an approver gave for a denial.
        (6, "approval reminders, escalations and denial reasons", """
            ALTER TABLE jitbot.requests ADD COLUMN reminded_at timestamptz;
            ALTER TABLE jitbot.requests ADD COLUMN escalated_at timestamptz;
            ALTER TABLE jitbot.requests ADD COLUMN denial_reason text;
            """),
        // Lanes that hold a notice about ended access are claimed first (Storage/OutboxOrder.cs): whether a lane
        // holds one is one probe here. The kinds are those of OutboxOrder.EndedAccess, written out (a shipped
        // migration never changes; the claim's query names the same kinds, so the planner uses this index).
        (7, "outbox: ended access first", """
            CREATE INDEX outbox_undelivered_ended ON jitbot.outbox (lane) WHERE delivered_at IS NULL AND kind IN ('GrantEnded', 'GrantRevoked');
            """),
    ];

    /// <summary>Applies what is missing, in order, holding the advisory lock; returns the schema version afterwards.</summary>
    public static async Task<int> ApplyAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({LockKey})", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, null, """
                CREATE SCHEMA IF NOT EXISTS jitbot;
                CREATE TABLE IF NOT EXISTS jitbot.schema_version (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL);
                """, cancellationToken).ConfigureAwait(false);
            var applied = await VersionAsync(connection, cancellationToken).ConfigureAwait(false);
            foreach (var (version, name, sql) in All.Where(m => m.Version > applied).OrderBy(m => m.Version))
            {
                await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, tx, sql, cancellationToken).ConfigureAwait(false);
                await using (var record = new NpgsqlCommand("INSERT INTO jitbot.schema_version (version, name, applied_at) VALUES (@v, @n, @at)", connection, tx))
                {
                    record.Parameters.AddWithValue("v", version);
                    record.Parameters.AddWithValue("n", name);
                    record.Parameters.AddWithValue("at", PostgresValues.Ts(now));
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            return await VersionAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    public static async Task<int> VersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM jitbot.schema_version", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
