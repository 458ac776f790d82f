using LiteDB;
using static JitBot.Storage.LiteDb.LiteDbDocuments;

namespace JitBot.Storage.LiteDb;

/// <summary>
/// The LiteDB schema, as ordered migrations (collections are created on first write; what a migration adds
/// is indexes and data changes). Each runs once, in one transaction on the writer thread together with its
/// <c>schema_version</c> document, so the database holds one writer and one migration at a time. Never edit
/// a migration that has shipped: add the next one.
/// </summary>
internal static class LiteDbMigrations
{
    public static readonly IReadOnlyList<(int Version, string Name, Action<LiteDatabase> Apply)> All =
    [
        (1, "initial", db =>
        {
            db.GetCollection(Names.Requests).EnsureIndex("timeout_due", "$.timeout_due");
            var grants = db.GetCollection(Names.Grants);
            grants.EnsureIndex("request_id", "$.request_id", unique: true);
            grants.EnsureIndex("revoke_due", "$.revoke_due");
            grants.EnsureIndex("active_key", "$.active_key");
            grants.EnsureIndex("unprovisioned_since", "$.unprovisioned_since");
            var outbox = db.GetCollection(Names.Outbox, BsonAutoId.Int64);
            outbox.EnsureIndex("due", "$.due");
            outbox.EnsureIndex("undelivered_request", "$.undelivered_request");
            db.GetCollection(Names.Audit).EnsureIndex("request_id", "$.request_id");
            db.GetCollection(Names.SeenKeys).EnsureIndex("expires_at", "$.expires_at");
        }),
        // Every collection exists before the store is used: LiteDB publishes a collection it creates inside a
        // transaction to readers on other threads before the transaction commits, and a reader that meets the
        // half-made collection fails ("page type must be collection page") and leaves the engine unusable.
        (2, "message references made up front", db => db.GetCollection(Names.MessageRefs).EnsureIndex("channel", "$.channel")),
        // Notices travel in lanes (one per channel or person): every undelivered notice gets its request's lane.
        (3, "outbox lanes", db =>
        {
            var outbox = db.GetCollection(Names.Outbox, BsonAutoId.Int64);
            outbox.EnsureIndex("undelivered_lane", "$.undelivered_lane");
            foreach (var doc in outbox.Find(Query.Not("undelivered_request", BsonValue.Null)).ToList())
            {
                var lane = LaneOf(db, new Requests.RequestId(doc["request_id"].AsString));
                doc["lane"] = lane;
                doc["undelivered_lane"] = lane;
                outbox.Update(doc);
            }
        }),
        // Incidents, and the requests made under one.
        (4, "incidents", db =>
        {
            db.GetCollection(Names.Requests).EnsureIndex("incident_id", "$.incident_id");
            var incidents = db.GetCollection(Names.Incidents);
            incidents.EnsureIndex("current_channel", "$.current_channel");
            incidents.EnsureIndex("end_due", "$.end_due");
        }),
        // Claims read lane heads only: lane_order finds a lane's oldest notice with one index seek, head_due marks
        // each lane's oldest undelivered notice with when it may next be claimed (LiteDbOutbox).
        (5, "outbox lane heads", db =>
        {
            var outbox = LiteDbOutbox.Collection(db);
            outbox.EnsureIndex("lane_order", "$.lane_order");
            outbox.EnsureIndex("head_due", "$.head_due");
            LiteDbOutbox.RebuildLanes(db);
        }),
        // What a person sees (/access list, App Home) and short ids: a person's requests and grants, the pending
        // requests oldest first (pending_since, derived like timeout_due), and ids by prefix (the primary key).
        (6, "people's requests and grants", db =>
        {
            var requests = db.GetCollection(Names.Requests);
            requests.EnsureIndex("requester_id", "$.requester_id");
            requests.EnsureIndex("pending_since", "$.pending_since");
            db.GetCollection(Names.Grants).EnsureIndex("user_id", "$.user_id");
            foreach (var doc in requests.Find(Query.EQ("state", nameof(Requests.RequestState.Pending))).ToList())
            {
                DeriveRequest(doc);
                requests.Update(doc);
            }
        }),
        // Extensions, expiry warnings and Revoke now: a grant counts its extensions, remembers the end its holder was
        // warned about and who asked to end it early; a request may extend a grant. Fields a document lacks read as
        // none, so only the count is written, on the grants still active.
        (7, "grant extensions, warnings and revocations", db =>
        {
            var grants = db.GetCollection(Names.Grants);
            foreach (var doc in grants.Find(Query.Not("revoke_due", BsonValue.Null)).ToList())
            {
                doc["extensions"] = 0;
                grants.Update(doc);
            }
        }),
        // Reminders and escalations of pending requests (reminded_at, escalated_at) and a denial's reason
        // (denial_reason) are fields of the request, absent (null) until set: nothing to index or rewrite.
        (8, "approval reminders, escalations and denial reasons", _ => { }),
        // Lanes that hold a notice about ended access are claimed first (Storage/OutboxOrder.cs): ended_order finds
        // such a notice in a lane with one index seek, ended_head_due marks those lanes' heads for the claim.
        (9, "outbox: ended access first", db =>
        {
            var outbox = db.GetCollection(Names.Outbox, BsonAutoId.Int64);
            outbox.EnsureIndex("ended_order", "$.ended_order");
            outbox.EnsureIndex("ended_head_due", "$.ended_head_due");
            LiteDbOutbox.RebuildEndedAccess(db);
        }),
    ];

    /// <summary>Applies what is missing, in order; returns the schema version afterwards. Runs on the writer thread.</summary>
    public static int Apply(LiteDatabase db, DateTimeOffset now)
    {
        var versions = db.GetCollection(Names.SchemaVersion);
        foreach (var (version, name, apply) in All.OrderBy(m => m.Version))
        {
            if (versions.FindById(version) is not null) continue;
            apply(db);
            versions.Insert(new BsonDocument { ["_id"] = version, ["name"] = name, ["applied_at"] = Ms(now) });
        }
        return versions.FindAll().Select(v => v["_id"].AsInt32).DefaultIfEmpty(0).Max();
    }
}
