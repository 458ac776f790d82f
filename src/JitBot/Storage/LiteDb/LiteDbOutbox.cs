using System.Globalization;
using LiteDB;
using static JitBot.Storage.LiteDb.LiteDbDocuments;

namespace JitBot.Storage.LiteDb;

/// <summary>
/// The outbox on LiteDB, run on the writer thread: queuing a notice in its lane and claiming the notices that may
/// go. A notice may go when it is the oldest undelivered notice of its lane and of its request. The oldest of a
/// lane is found in the index <c>lane_order</c> — the lane, then the notice's id, zero-padded, while it is
/// undelivered — as its first entry: one index seek whatever the lane's length, instead of reading the whole lane.
/// </summary>
internal static class LiteDbOutbox
{
    /// <summary>Between a lane and an id in <c>lane_order</c>: below every character a lane name has.</summary>
    const char Separator = '\u0001';

    /// <summary>At most this many due notices are read at a time while claiming.</summary>
    const int MaxPage = 200;

    public static ILiteCollection<BsonDocument> Collection(LiteDatabase db) => db.GetCollection(Names.Outbox, BsonAutoId.Int64);

    /// <summary>Queues <paramref name="notice"/> (a <see cref="ToOutboxDocument"/>) at the end of its lane.</summary>
    public static void Insert(LiteDatabase db, BsonDocument notice)
    {
        var outbox = Collection(db);
        var id = outbox.Insert(notice).AsInt64;
        notice["lane_order"] = LaneOrder(notice["lane"], id);
        outbox.Update(notice);
    }

    /// <summary>The notice's place in its lane while it is undelivered (null for one without a lane).</summary>
    public static BsonValue LaneOrder(BsonValue lane, long id) =>
        lane.IsString ? new BsonValue(lane.AsString + Separator + id.ToString("D19", CultureInfo.InvariantCulture)) : BsonValue.Null;

    /// <summary>
    /// Claims up to <paramref name="max"/> due notices for <paramref name="owner"/>, oldest first, each only when it is
    /// the oldest undelivered notice of its lane and of its request.
    /// </summary>
    public static List<BsonDocument> Claim(LiteDatabase db, string owner, DateTimeOffset now, TimeSpan lease, int max)
    {
        var outbox = Collection(db);
        // Whether each lane's and request's oldest undelivered notice is the one met, as found so far.
        var headOfLane = new Dictionary<string, long>(StringComparer.Ordinal);
        var headOfRequest = new Dictionary<string, long>(StringComparer.Ordinal);
        var claimed = new List<BsonDocument>();
        // Few claimable notices are asked for at a time (a sender that finished asks for one): pages stay small.
        var page = Math.Clamp(max * 4, 16, MaxPage);
        var skip = 0;
        while (claimed.Count < max)
        {
            // "due" is when a notice can next be claimed: its next attempt, or the end of its claimer's lease.
            // A claimed notice leaves the range, so only the ones passed over count towards the next skip.
            var due = outbox.UpTo("due", Ms(now), skip, page).ToList();
            var before = claimed.Count;
            foreach (var doc in due.OrderBy(d => d["_id"].AsInt64))
            {
                if (claimed.Count == max) break;
                var id = doc["_id"].AsInt64;
                if (HeadOfLane(outbox, headOfLane, doc["lane"]) != id) continue; // an older notice of this lane goes first
                if (HeadOfRequest(outbox, headOfRequest, doc["request_id"]) != id) continue; // and of this request
                doc["claimed_by"] = owner;
                doc["lease_until"] = Ms(now + lease);
                doc["due"] = doc["lease_until"];
                outbox.Update(doc);
                claimed.Add(doc);
            }
            if (due.Count < page) break;
            skip += due.Count - (claimed.Count - before);
            page = MaxPage;
        }
        return claimed;
    }

    /// <summary>The id of the oldest undelivered notice of <paramref name="lane"/>: the first entry of its range in <c>lane_order</c>.</summary>
    static long HeadOfLane(ILiteCollection<BsonDocument> outbox, Dictionary<string, long> seen, BsonValue lane)
    {
        if (!lane.IsString) return long.MinValue; // written before lanes existed and never migrated: nothing to wait for
        if (!seen.TryGetValue(lane.AsString, out var head))
        {
            var first = outbox.Query()
                .Where(Between("lane_order", lane.AsString + Separator, lane.AsString + (char)(Separator + 1)))
                .OrderBy("lane_order")
                .Limit(1)
                .FirstOrDefault();
            head = first?["_id"].AsInt64 ?? long.MinValue;
            seen[lane.AsString] = head;
        }
        return head;
    }

    /// <summary>The id of the oldest undelivered notice about <paramref name="requestId"/> (a request has few).</summary>
    static long HeadOfRequest(ILiteCollection<BsonDocument> outbox, Dictionary<string, long> seen, BsonValue requestId)
    {
        if (!requestId.IsString) return long.MinValue;
        if (!seen.TryGetValue(requestId.AsString, out var head))
        {
            head = outbox.Find(Equal("undelivered_request", requestId)).Min(d => d["_id"].AsInt64);
            seen[requestId.AsString] = head;
        }
        return head;
    }
}
