namespace JitBot.Storage;

/// <summary>
/// The schema, as ordered migrations. Each runs once, in its own transaction, and is recorded in
/// <c>schema_version</c>. Never edit a migration that has shipped: add the next one.
/// </summary>
public static class SqliteMigrations
{
    public static readonly IReadOnlyList<(int Version, string Name, string Sql)> All =
    [
        (1, "initial", """
            CREATE TABLE requests (
                id                    TEXT    PRIMARY KEY,
                requester_id          TEXT    NOT NULL,
                resource_id           TEXT    NOT NULL,
                requested_duration_ms INTEGER NULL,
                reason                TEXT    NULL,
                channel_id            TEXT    NULL,
                channel_name          TEXT    NULL,
                incident              INTEGER NOT NULL,
                state                 TEXT    NOT NULL,
                created_at            INTEGER NOT NULL,
                decided_at            INTEGER NULL,
                decided_by            TEXT    NULL,
                timeout_at            INTEGER NULL,
                policy_version        TEXT    NOT NULL,
                decision_json         TEXT    NOT NULL
            );
            CREATE INDEX ix_requests_state_timeout ON requests (state, timeout_at);
            CREATE INDEX ix_requests_requester ON requests (requester_id, created_at);

            CREATE TABLE approval_votes (
                request_id  TEXT    NOT NULL REFERENCES requests (id),
                approver_id TEXT    NOT NULL,
                approve     INTEGER NOT NULL,
                counts_for  TEXT    NOT NULL,
                at          INTEGER NOT NULL,
                PRIMARY KEY (request_id, approver_id)
            );

            CREATE TABLE grants (
                id              TEXT    PRIMARY KEY,
                request_id      TEXT    NOT NULL UNIQUE REFERENCES requests (id),
                user_id         TEXT    NOT NULL,
                resource_id     TEXT    NOT NULL,
                provider_type   TEXT    NOT NULL,
                access_key      TEXT    NOT NULL,
                granted_at      INTEGER NOT NULL,
                expires_at      INTEGER NOT NULL,
                state           TEXT    NOT NULL,
                ended_at        INTEGER NULL,
                revoke_attempts INTEGER NOT NULL DEFAULT 0,
                next_revoke_at  INTEGER NULL,
                last_error      TEXT    NULL
            );
            CREATE INDEX ix_grants_state_expires ON grants (state, expires_at);
            CREATE INDEX ix_grants_access_key ON grants (access_key, state);

            CREATE TABLE message_refs (
                request_id TEXT NOT NULL,
                kind       TEXT NOT NULL,
                channel    TEXT NOT NULL,
                ts         TEXT NOT NULL,
                PRIMARY KEY (request_id, kind)
            );

            CREATE TABLE audit_events (
                seq        INTEGER PRIMARY KEY,
                at         INTEGER NOT NULL,
                kind       TEXT    NOT NULL,
                actor      TEXT    NOT NULL,
                request_id TEXT    NULL,
                grant_id   TEXT    NULL,
                data       TEXT    NOT NULL,
                prev_hash  TEXT    NOT NULL,
                hash       TEXT    NOT NULL
            );
            CREATE INDEX ix_audit_request ON audit_events (request_id);
            CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
            CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

            CREATE TABLE outbox (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                kind            TEXT    NOT NULL,
                request_id      TEXT    NOT NULL,
                grant_id        TEXT    NULL,
                payload         TEXT    NULL,
                created_at      INTEGER NOT NULL,
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                delivered_at    INTEGER NULL,
                last_error      TEXT    NULL
            );
            CREATE INDEX ix_outbox_due ON outbox (delivered_at, next_attempt_at);
            CREATE INDEX ix_outbox_request ON outbox (request_id, delivered_at, id);
            """),
        (2, "grants-provisioned-at", """
            ALTER TABLE grants ADD COLUMN provisioned_at INTEGER NULL;
            UPDATE grants SET provisioned_at = granted_at WHERE state <> 'Failed';
            CREATE INDEX ix_grants_unprovisioned ON grants (state, provisioned_at, granted_at);
            """),
    ];
}
