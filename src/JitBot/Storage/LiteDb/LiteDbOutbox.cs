using System.Globalization;
using LiteDB;
using static JitBot.Storage.LiteDb.LiteDbDocuments;

namespace JitBot.Storage.LiteDb;

/// <summary>
/// The outbox on LiteDB, run on the writer thread: queuing a notice in its lane, claiming the notices that may go,
/// and marking them. A notice may go when it is the oldest undelivered notice of its lane and of its request. Two
/// derived fields keep that cheap however long the lanes grow:
/// <list type="bullet">
/// <item><c>lane_order</c> (indexed): the lane, then the id, zero-padded, while the notice is undelivered; the
///   lane's oldest undelivered notice is the first entry of its range, one index seek.</item>
/// <item><c>head_due</c> (indexed): on the oldest undelivered notice of each lane only, when it may next be
///   claimed (its <c>due</c>). A claim reads this index up to now: lane heads that are due, and nothing else — not
///   the notices queued behind them, nor the lanes whose head is out being sent.</item>
/// <item><c>ended_order</c> (indexed): like <c>lane_order</c>, on undelivered notices about ended access only
///   (<see cref="OutboxOrder.EndedAccess"/>): whether a lane holds one is one index seek.</item>
/// <item><c>ended_head_due</c> (indexed): the head's <c>due</c> again, on the heads of lanes that hold a notice about
///   ended access only. A claim reads this index first, then <c>head_due</c> (<see cref="OutboxOrder"/>).</item>
/// </list>
/// </summary>
internal static class LiteDbOutbox
{
    /// <summary>Between a lane and an id in <c>lane_order</c>: below every character a lane name has.</summary>
    const char Separator = '\u0001';

    public static ILiteCollection<BsonDocument> Collection(LiteDatabase db) => db.GetCollection(Names.Outbox, BsonAutoId.Int64);

    /// <summary>Whether a lane head is due (for the claim's quick look before it asks the writer).</summary>
    public static bool AnyDue(LiteDatabase db, DateTimeOffset now) => Collection(db).UpTo("head_due", Ms(now), limit: 1).Any();

    /// <summary>Queues <paramref name="notice"/> (a <see cref="ToOutboxDocument"/>) at the end of its lane.</summary>
    public static void Insert(LiteDatabase db, BsonDocument notice)
    {
        var outbox = Collection(db);
        // Ids only grow: a notice is its lane's head when nothing in the lane waits before it.
        var head = HeadOfLane(outbox, notice["lane"]);
        var id = outbox.Insert(notice).AsInt64;
        var ended = notice["kind"].IsString && OutboxOrder.IsEndedAccess(notice["kind"].AsString);
        notice["lane_order"] = LaneOrder(notice["lane"], id);
        notice["ended_order"] = ended ? notice["lane_order"] : BsonValue.Null;
        notice["head_due"] = head == long.MinValue ? notice["due"] : BsonValue.Null;
        notice["ended_head_due"] = head == long.MinValue && ended ? notice["due"] : BsonValue.Null;
        outbox.Update(notice);
        // Ended access queued behind a head: the whole lane now goes ahead of the others.
        if (ended && head != long.MinValue && outbox.FindById(head) is { } first && first["ended_head_due"].IsNull)
        {
            first["ended_head_due"] = first["head_due"];
            outbox.Update(first);
        }
    }

    /// <summary>The notice's place in its lane while it is undelivered (null for one without a lane).</summary>
    public static BsonValue LaneOrder(BsonValue lane, long id) =>
        lane.IsString ? new BsonValue(lane.AsString + Separator + id.ToString("D19", CultureInfo.InvariantCulture)) : BsonValue.Null;

    /// <summary>
    /// Claims up to <paramref name="max"/> due lane heads for <paramref name="owner"/>, each only when it is also the
    /// oldest undelivered notice of its request, in <see cref="OutboxOrder"/>: the heads of lanes holding ended access
    /// (<c>ended_head_due</c>), then the others (<c>head_due</c>), each the longest due first.
    /// </summary>
    public static List<BsonDocument> Claim(LiteDatabase db, string owner, DateTimeOffset now, TimeSpan lease, int max)
    {
        var outbox = Collection(db);
        var headOfRequest = new Dictionary<string, long>(StringComparer.Ordinal);
        var claimed = new List<BsonDocument>();
        ClaimHeads(outbox, "ended_head_due", owner, now, lease, max, headOfRequest, claimed);
        // Heads of ended access passed over above are passed over here too (the same head of request).
        ClaimHeads(outbox, "head_due", owner, now, lease, max, headOfRequest, claimed);
        return claimed;
    }

    /// <summary>Claims due heads read from <paramref name="index"/>, in its order, until <paramref name="claimed"/> holds <paramref name="max"/>.</summary>
    static void ClaimHeads(ILiteCollection<BsonDocument> outbox, string index, string owner, DateTimeOffset now, TimeSpan lease, int max,
        Dictionary<string, long> headOfRequest, List<BsonDocument> claimed)
    {
        var skip = 0;
        while (claimed.Count < max)
        {
            // A claimed head leaves the range (its due becomes the end of its lease); only heads passed over,
            // held up by an older notice of their request in another lane, count towards the next skip.
            var heads = outbox.UpTo(index, Ms(now), skip, max - claimed.Count).ToList();
            foreach (var doc in heads)
            {
                if (HeadOfRequest(outbox, headOfRequest, doc["request_id"]) != doc["_id"].AsInt64)
                {
                    skip++;
                    continue;
                }
                doc["claimed_by"] = owner;
                doc["lease_until"] = Ms(now + lease);
                SetDue(doc, doc["lease_until"]);
                outbox.Update(doc);
                claimed.Add(doc);
            }
            if (heads.Count == 0) break;
        }
    }

    /// <summary>
    /// Claims for <paramref name="owner"/>, behind the lane head <paramref name="headId"/> it holds, the unbroken run of
    /// up to <paramref name="max"/> due notices of the head's kind (<see cref="IOutboxGroupStore.ClaimFollowingAsync"/>).
    /// Reads the lane's range in <c>lane_order</c> from the head on, at most <paramref name="max"/> entries.
    /// </summary>
    public static List<BsonDocument> ClaimFollowing(LiteDatabase db, long headId, string owner, DateTimeOffset now, TimeSpan lease, int max)
    {
        var outbox = Collection(db);
        var nowMs = now.ToUnixTimeMilliseconds();
        var head = outbox.FindById(headId);
        if (max <= 0 || head is null || !head["delivered_at"].IsNull || head["claimed_by"] != owner || !head["lane"].IsString
            || !head["lease_until"].IsNumber || head["lease_until"].AsInt64 <= nowMs)
            return [];
        var lane = head["lane"].AsString;
        var inGroup = new HashSet<long> { headId };
        var headOfRequest = new Dictionary<string, long>(StringComparer.Ordinal);
        var claimed = new List<BsonDocument>();
        var behind = outbox.Find(Between("lane_order", LaneOrder(lane, headId + 1), lane + (char)(Separator + 1)), limit: max).ToList();
        foreach (var doc in behind)
        {
            var id = doc["_id"].AsInt64;
            // An older notice of the same request elsewhere (another lane) holds this one, and so the rest of the run.
            var fits = doc["kind"] == head["kind"] && doc["due"].IsNumber && doc["due"].AsInt64 <= nowMs
                       && HeadOfRequest(outbox, headOfRequest, doc["request_id"]) is var first && (first == id || inGroup.Contains(first));
            if (!fits) break;
            doc["claimed_by"] = owner;
            doc["lease_until"] = Ms(now + lease);
            SetDue(doc, doc["lease_until"]);
            outbox.Update(doc);
            inGroup.Add(id);
            claimed.Add(doc);
        }
        return claimed;
    }

    /// <summary>Marks a claimed notice delivered; the next notice of its lane becomes the lane's head.</summary>
    public static bool MarkDelivered(LiteDatabase db, long outboxId, string owner, DateTimeOffset at) =>
        UpdateClaimed(db, outboxId, owner, (outbox, doc) =>
        {
            doc["delivered_at"] = Ms(at);
            doc["attempts"] = doc["attempts"].AsInt32 + 1;
            doc["last_error"] = BsonValue.Null;
            SetDue(doc, BsonValue.Null);
            doc["head_due"] = BsonValue.Null;
            doc["ended_head_due"] = BsonValue.Null;
            doc["undelivered_request"] = BsonValue.Null;
            doc["undelivered_lane"] = BsonValue.Null;
            doc["lane_order"] = BsonValue.Null;
            doc["ended_order"] = BsonValue.Null;
            outbox.Update(doc);
            if (HeadOfLane(outbox, doc["lane"]) is var next and > long.MinValue && outbox.FindById(next) is { } head)
            {
                head["head_due"] = head["due"];
                head["ended_head_due"] = HoldsEndedAccess(outbox, doc["lane"]) ? head["due"] : BsonValue.Null;
                outbox.Update(head);
            }
        });

    /// <summary>Gives a claimed notice back to be tried at <paramref name="nextAttemptAt"/>; it stays its lane's head.</summary>
    public static bool MarkFailed(LiteDatabase db, long outboxId, string owner, int attempts, DateTimeOffset nextAttemptAt, string error) =>
        UpdateClaimed(db, outboxId, owner, (outbox, doc) =>
        {
            doc["attempts"] = attempts;
            doc["next_attempt_at"] = Ms(nextAttemptAt);
            doc["last_error"] = error;
            SetDue(doc, Ms(nextAttemptAt));
            outbox.Update(doc);
        });

    /// <summary>
    /// Marks the undelivered notices about ended access, and the heads of their lanes, for the claim order
    /// (<see cref="OutboxOrder"/>; migration 9). Runs after <see cref="RebuildLanes"/>.
    /// </summary>
    public static void RebuildEndedAccess(LiteDatabase db)
    {
        var outbox = Collection(db);
        var undelivered = outbox.Find(Query.Not("undelivered_lane", BsonValue.Null)).ToList();
        var lanes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var doc in undelivered)
        {
            var ended = doc["kind"].IsString && OutboxOrder.IsEndedAccess(doc["kind"].AsString) && doc["lane_order"].IsString;
            doc["ended_order"] = ended ? doc["lane_order"] : BsonValue.Null;
            if (ended) lanes.Add(doc["lane"].AsString);
        }
        foreach (var doc in undelivered)
        {
            doc["ended_head_due"] = !doc["head_due"].IsNull && lanes.Contains(doc["lane"].AsString) ? doc["head_due"] : BsonValue.Null;
            outbox.Update(doc);
        }
    }

    /// <summary>Gives every undelivered notice its place in its lane and marks each lane's head (migration 5).</summary>
    public static void RebuildLanes(LiteDatabase db)
    {
        var outbox = Collection(db);
        var undelivered = outbox.Find(Query.Not("undelivered_lane", BsonValue.Null)).OrderBy(d => d["_id"].AsInt64).ToList();
        var lanesSeen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var doc in undelivered)
        {
            doc["lane_order"] = LaneOrder(doc["lane"], doc["_id"].AsInt64);
            doc["head_due"] = doc["lane"].IsString && lanesSeen.Add(doc["lane"].AsString) ? doc["due"] : BsonValue.Null;
            outbox.Update(doc);
        }
    }

    static bool UpdateClaimed(LiteDatabase db, long outboxId, string owner, Action<ILiteCollection<BsonDocument>, BsonDocument> change)
    {
        var outbox = Collection(db);
        var doc = outbox.FindById(outboxId);
        if (doc is null || !doc["delivered_at"].IsNull || doc["claimed_by"] != owner) return false;
        doc["claimed_by"] = BsonValue.Null;
        doc["lease_until"] = BsonValue.Null;
        change(outbox, doc);
        return true;
    }

    /// <summary>Sets when the notice can next be claimed, on the lane's head also in <c>head_due</c> (and <c>ended_head_due</c>).</summary>
    static void SetDue(BsonDocument doc, BsonValue due)
    {
        doc["due"] = due;
        if (!doc["head_due"].IsNull) doc["head_due"] = due;
        if (!doc["ended_head_due"].IsNull) doc["ended_head_due"] = due;
    }

    /// <summary>Whether <paramref name="lane"/> holds an undelivered notice about ended access: one seek in <c>ended_order</c>.</summary>
    static bool HoldsEndedAccess(ILiteCollection<BsonDocument> outbox, BsonValue lane) =>
        lane.IsString && outbox.Find(Between("ended_order", lane.AsString + Separator, lane.AsString + (char)(Separator + 1)), limit: 1).Any();

    /// <summary>The id of the oldest undelivered notice of <paramref name="lane"/>: the first entry of its range in <c>lane_order</c>.</summary>
    static long HeadOfLane(ILiteCollection<BsonDocument> outbox, BsonValue lane)
    {
        if (!lane.IsString) return long.MinValue;
        // An index range is read in the index's order, so the first entry is the lowest key; asking LiteDB to
        // order the range as well made it read and sort the whole range (the whole lane) first.
        var first = outbox.Find(Between("lane_order", lane.AsString + Separator, lane.AsString + (char)(Separator + 1)), limit: 1).FirstOrDefault();
        return first?["_id"].AsInt64 ?? long.MinValue;
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
