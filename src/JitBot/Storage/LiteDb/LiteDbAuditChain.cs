using JitBot.Audit;
using LiteDB;
using static JitBot.Storage.LiteDb.LiteDbDocuments;

namespace JitBot.Storage.LiteDb;

/// <summary>
/// Appends to the audit chain on the writer thread, remembering where the chain ends (the last record's sequence
/// number and hash) between appends: finding the end with a LiteDB query costs more than the inserts themselves.
/// What it remembers holds only while no transaction has been rolled back since (<see cref="LiteDbWriter.Rollbacks"/>):
/// a rollback may have taken the remembered record with it, so after one the end is read again from the collection.
/// </summary>
internal sealed class LiteDbAuditChain(LiteDbWriter writer)
{
    (long Seq, string Hash, long Rollbacks)? _end;

    /// <summary>Continues the chain with <paramref name="auditEvents"/>; runs on the writer thread, inside its transaction.</summary>
    public void Append(LiteDatabase db, IReadOnlyList<AuditEvent> auditEvents)
    {
        if (auditEvents.Count == 0) return;
        var audit = db.GetCollection(Names.Audit);
        long seq;
        string previous;
        if (_end is { } end && end.Rollbacks == writer.Rollbacks) (seq, previous) = (end.Seq, end.Hash);
        else
        {
            var last = audit.Find(Query.All(Query.Descending), limit: 1).FirstOrDefault();
            seq = last?["_id"].AsInt64 ?? 0;
            previous = last?["hash"].AsString ?? AuditChain.Genesis;
        }
        _end = null; // until every insert below has gone in
        foreach (var auditEvent in auditEvents)
        {
            seq++;
            var record = new AuditRecord(seq, auditEvent, previous, AuditChain.Hash(previous, seq, auditEvent));
            audit.Insert(ToDocument(record));
            previous = record.Hash;
        }
        _end = (seq, previous, writer.Rollbacks);
    }
}
