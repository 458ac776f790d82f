using JitBot.Audit;
using JitBot.Incidents;
using JitBot.Requests;
using Npgsql;

namespace JitBot.Storage.Postgres;

/// <summary>
/// How JitBot's records are written to and read from PostgreSQL rows: times as UTC <c>timestamptz</c> kept to
/// the millisecond (as the audit hash has them, and as the embedded store keeps them), enums as their names,
/// and the column lists the store selects.
/// </summary>
internal static class PostgresValues
{
    public const string RequestColumns =
        "id, requester_id, resource_id, requested_duration_ms, reason, channel_id, channel_name, incident, state, created_at, decided_at, decided_by, decision_json, incident_id, reminded_at, escalated_at, denial_reason, extends_grant, extends_to";

    public const string IncidentColumns =
        "id, label, channel_id, channel_name, started_by, started_at, ends_at, state, ended_at, ended_by, end_reason";

    public const string VoteColumns = "approver_id, approve, counts_for, at";

    public const string GrantColumns =
        "id, request_id, user_id, resource_id, granted_at, expires_at, state, ended_at, provider_type, access_key, revoke_attempts, next_revoke_at, last_error, provisioned_at, " +
        "extensions, warned_for, revoked_by, revoke_reason";

    public const string OutboxColumns = "id, kind, request_id, grant_id, payload, attempts, created_at, next_attempt_at, last_error, lane";

    public const string AuditColumns = "seq, kind, at, actor, request_id, grant_id, data, prev_hash, hash";

    /// <summary>A time as PostgreSQL keeps it: UTC, whole milliseconds.</summary>
    public static DateTimeOffset Ts(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());

    public static object Ts(DateTimeOffset? at) => at is { } v ? Ts(v) : DBNull.Value;

    public static object Text(string? value) => value is null ? DBNull.Value : value;

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>A statement for a batch (<see cref="PostgresBatcher"/>), its parameters named as in a command (<c>@id</c>).</summary>
    public static NpgsqlBatchCommand Statement(string sql) => new(sql);

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand statement, string name, object? value)
    {
        statement.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return statement;
    }

    static DateTimeOffset At(NpgsqlDataReader r, int i) => r.GetFieldValue<DateTimeOffset>(i);
    static DateTimeOffset? AtOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
    static string? TextOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    /// <summary>A request row (<see cref="RequestColumns"/>) with its votes.</summary>
    public static AccessRequest ToRequest(NpgsqlDataReader r, IReadOnlyList<VoteRecord> votes) => new(
        new RequestId(r.GetString(0)),
        r.GetString(1),
        r.GetString(2),
        r.IsDBNull(3) ? null : TimeSpan.FromMilliseconds(r.GetInt64(3)),
        TextOrNull(r, 4),
        TextOrNull(r, 5),
        TextOrNull(r, 6),
        r.GetBoolean(7),
        Enum.Parse<RequestState>(r.GetString(8)),
        At(r, 9),
        AtOrNull(r, 10),
        TextOrNull(r, 11),
        DecisionJson.Deserialize(r.GetString(12)),
        votes.Select(v => v.Vote).ToList())
    {
        IncidentId = r.IsDBNull(13) ? null : new IncidentId(r.GetString(13)),
        RemindedAt = AtOrNull(r, 14),
        EscalatedAt = AtOrNull(r, 15),
        DenialReason = TextOrNull(r, 16),
        ExtendsGrant = r.IsDBNull(17) ? null : new GrantId(r.GetString(17)),
        ExtendsTo = AtOrNull(r, 18),
    };

    /// <summary>An incident row (<see cref="IncidentColumns"/>).</summary>
    public static Incident ToIncident(NpgsqlDataReader r) => new(
        new IncidentId(r.GetString(0)),
        TextOrNull(r, 1),
        r.GetString(2),
        TextOrNull(r, 3),
        r.GetString(4),
        At(r, 5),
        At(r, 6),
        Enum.Parse<IncidentState>(r.GetString(7)),
        AtOrNull(r, 8),
        TextOrNull(r, 9),
        TextOrNull(r, 10));

    /// <summary>A vote row (<see cref="VoteColumns"/>).</summary>
    public static VoteRecord ToVote(NpgsqlDataReader r) =>
        new(new ApprovalVote(r.GetString(0), r.GetBoolean(1), At(r, 3)), r.GetFieldValue<int[]>(2));

    /// <summary>A grant row (<see cref="GrantColumns"/>).</summary>
    public static GrantRecord ToGrant(NpgsqlDataReader r) => new(
        new Grant(new GrantId(r.GetString(0)), new RequestId(r.GetString(1)), r.GetString(2), r.GetString(3), At(r, 4), At(r, 5),
            Enum.Parse<GrantState>(r.GetString(6)), AtOrNull(r, 7)),
        r.GetString(8),
        r.GetString(9),
        r.GetInt32(10),
        AtOrNull(r, 11),
        TextOrNull(r, 12),
        AtOrNull(r, 13))
    {
        Extensions = r.GetInt32(14),
        WarnedFor = AtOrNull(r, 15),
        RevokedBy = TextOrNull(r, 16),
        RevokeReason = TextOrNull(r, 17),
    };

    /// <summary>An outbox row (<see cref="OutboxColumns"/>).</summary>
    public static OutboxMessage ToOutbox(NpgsqlDataReader r) => new(
        r.GetInt64(0),
        Enum.Parse<NotificationKind>(r.GetString(1)),
        new RequestId(r.GetString(2)),
        r.IsDBNull(3) ? null : new GrantId(r.GetString(3)),
        TextOrNull(r, 4),
        r.GetInt32(5),
        At(r, 6),
        At(r, 7),
        TextOrNull(r, 8))
    {
        Lane = r.GetString(9),
    };

    /// <summary>The statement that queues a notice.</summary>
    public static NpgsqlBatchCommand OutboxInsert(NotificationKind kind, RequestId requestId, GrantId? grantId,
        string? payload, DateTimeOffset at, string lane) =>
        Statement("""
            INSERT INTO jitbot.outbox (kind, request_id, grant_id, payload, created_at, next_attempt_at, lane) VALUES (@kind, @request, @grant, @payload, @at, @at, @lane)
            """)
            .With("kind", kind.ToString()).With("request", requestId.Value).With("grant", Text(grantId?.Value))
            .With("payload", Text(payload)).With("at", Ts(at)).With("lane", lane);

    /// <summary>An audit row (<see cref="AuditColumns"/>).</summary>
    public static AuditRecord ToAudit(NpgsqlDataReader r) => new(
        r.GetInt64(0),
        new AuditEvent(r.GetString(1), At(r, 2), r.GetString(3), TextOrNull(r, 4), TextOrNull(r, 5), AuditDataJson.Deserialize(r.GetString(6))),
        r.GetString(7),
        r.GetString(8));

    /// <summary>Runs <paramref name="command"/> and reads every row with <paramref name="read"/>.</summary>
    public static async Task<List<T>> ListAsync<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) list.Add(read(reader));
        return list;
    }
}
