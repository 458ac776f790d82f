using JitBot.IntegrationTests.Infrastructure;
using LiteDB;
using Npgsql;

namespace JitBot.IntegrationTests.Audit;

/// <summary>
/// The audit table as someone with access to the database file or server sees it: rows changed behind JitBot's
/// back, with LiteDB opened directly on the file (the bot stopped) or plain SQL on PostgreSQL.
/// </summary>
public abstract class RawAuditTable
{
    public static RawAuditTable For(BotStorage storage) => storage.IsPostgres ? new Postgres(storage.ConnectionString) : new LiteDb(storage.ConnectionString);

    public abstract void SetText(long seq, string column, string value);
    public abstract void Delete(long seq);
    public abstract void ChangeSeq(long from, long to);
    public abstract void CopyRow(long from, long to);

    sealed class LiteDb(string path) : RawAuditTable
    {
        void With(Action<ILiteCollection<BsonDocument>> change)
        {
            using var db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
            change(db.GetCollection("audit_events"));
            db.Checkpoint();
        }

        public override void SetText(long seq, string column, string value) => With(c =>
        {
            var d = c.FindById(seq);
            d[column] = value;
            c.Update(d);
        });

        public override void Delete(long seq) => With(c => c.Delete(seq));

        public override void ChangeSeq(long from, long to) => With(c =>
        {
            var d = c.FindById(from);
            c.Delete(from);
            d["_id"] = to;
            c.Insert(d);
        });

        public override void CopyRow(long from, long to) => With(c =>
        {
            var d = c.FindById(from);
            d["_id"] = to;
            c.Insert(d);
        });
    }

    sealed class Postgres(string connectionString) : RawAuditTable
    {
        void Sql(string sql, params (string Name, object Value)[] args)
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            foreach (var (name, value) in args) command.Parameters.AddWithValue(name, value);
            command.ExecuteNonQuery();
        }

        public override void SetText(long seq, string column, string value) =>
            Sql($"UPDATE jitbot.audit_events SET {column} = @v WHERE seq = @s", ("v", value), ("s", seq));

        public override void Delete(long seq) => Sql("DELETE FROM jitbot.audit_events WHERE seq = @s", ("s", seq));

        public override void ChangeSeq(long from, long to) =>
            Sql("UPDATE jitbot.audit_events SET seq = @t WHERE seq = @f", ("t", to), ("f", from));

        public override void CopyRow(long from, long to) =>
            Sql("""
                INSERT INTO jitbot.audit_events (seq, at, kind, actor, request_id, grant_id, data, prev_hash, hash)
                SELECT @t, at, kind, actor, request_id, grant_id, data, prev_hash, hash FROM jitbot.audit_events WHERE seq = @f
                """, ("t", to), ("f", from));
    }
}
