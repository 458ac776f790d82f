using JitBot.Audit;
using Npgsql;
using static JitBot.Storage.Postgres.PostgresValues;

namespace JitBot.Storage.Postgres;

/// <summary>
/// The statements that continue the audit chain: the one-row head (<c>jitbot.audit_head</c>) is locked and read,
/// then each event is inserted after it and the head moved to the last one. Every writer of every replica takes
/// the same head lock, so appends form one line.
/// </summary>
internal static class PostgresAuditChain
{
    /// <summary>Locks the head until the transaction ends and reads it (<see cref="ReadHead"/>).</summary>
    public static NpgsqlBatchCommand LockHead() => Statement("SELECT seq, hash FROM jitbot.audit_head WHERE id = 1 FOR UPDATE");

    public static (long Seq, string Hash) ReadHead(NpgsqlDataReader r) => (r.GetInt64(0), r.GetString(1));

    /// <summary>The inserts of <paramref name="auditEvents"/> after <paramref name="head"/>, in their order, and the update of the head.</summary>
    public static List<NpgsqlBatchCommand> Append((long Seq, string Hash) head, IReadOnlyList<AuditEvent> auditEvents)
    {
        var (seq, previous) = head.Seq == 0 ? (0, AuditChain.Genesis) : head;
        var statements = new List<NpgsqlBatchCommand>(auditEvents.Count + 1);
        foreach (var auditEvent in auditEvents)
        {
            seq++;
            var stored = auditEvent with { At = Ts(auditEvent.At) };
            var record = new AuditRecord(seq, stored, previous, AuditChain.Hash(previous, seq, stored));
            statements.Add(Positional($"INSERT INTO jitbot.audit_events ({AuditColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                seq, stored.Kind, stored.At, stored.Actor, Text(stored.RequestId), Text(stored.GrantId), AuditDataJson.Serialize(stored.Data), previous, record.Hash));
            previous = record.Hash;
        }
        statements.Add(Positional("UPDATE jitbot.audit_head SET seq = $1, hash = $2 WHERE id = 1", seq, previous));
        return statements;
    }

    static NpgsqlBatchCommand Positional(string sql, params object?[] values)
    {
        var statement = new NpgsqlBatchCommand(sql);
        foreach (var value in values) statement.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return statement;
    }
}
