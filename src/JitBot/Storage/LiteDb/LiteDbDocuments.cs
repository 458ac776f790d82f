using JitBot.Audit;
using JitBot.Incidents;
using JitBot.Requests;
using LiteDB;

namespace JitBot.Storage.LiteDb;

/// <summary>
/// How JitBot's records are kept as LiteDB documents: one collection per aggregate, times as Unix
/// milliseconds, a request's votes inside the request. Each document also carries a few derived fields that
/// exist only while they matter (a pending request's <c>timeout_due</c>, an active grant's <c>revoke_due</c>,
/// an undelivered notice's <c>due</c>, …), so that every query the lifecycle runs is one index range.
/// </summary>
internal static class LiteDbDocuments
{
    /// <summary>The collections.</summary>
    public static class Names
    {
        public const string Requests = "requests";
        public const string Grants = "grants";
        public const string Outbox = "outbox";
        public const string Audit = "audit_events";
        public const string MessageRefs = "message_refs";
        public const string SeenKeys = "seen_keys";
        public const string Incidents = "incidents";
        public const string SchemaVersion = "schema_version";
    }

    /// <summary>The ends of every index range on a time: from <see cref="Min"/> up, so that nulls (not due) stay out.</summary>
    public static readonly BsonValue Min = new(long.MinValue);
    public static readonly BsonValue Max = new(long.MaxValue);

    /// <summary>The documents whose <paramref name="field"/> is set and at most <paramref name="upTo"/>, in index order.</summary>
    public static IEnumerable<BsonDocument> UpTo(this ILiteCollection<BsonDocument> collection, string field, BsonValue upTo, int skip = 0, int limit = int.MaxValue) =>
        collection.Find(Between(field, Min, upTo), skip, limit);

    // Queries with parameters. LiteDB's Query.EQ and Query.Between write the value into the expression's text, and
    // LiteDB parses and compiles an expression for every new text (about half a millisecond, on the writer thread
    // for a claim); with the value as a parameter the text is the same every time and is compiled once.

    /// <summary><paramref name="field"/> equals <paramref name="value"/> (an index seek when the field is indexed).</summary>
    public static BsonExpression Equal(string field, BsonValue value) => BsonExpression.Create($"$.{field} = @0", value);

    /// <summary><paramref name="field"/> from <paramref name="from"/> to <paramref name="to"/>, both included (an index range).</summary>
    public static BsonExpression Between(string field, BsonValue from, BsonValue to) => BsonExpression.Create($"$.{field} BETWEEN @0 AND @1", from, to);

    /// <summary><paramref name="field"/> above <paramref name="value"/>.</summary>
    public static BsonExpression Above(string field, BsonValue value) => BsonExpression.Create($"$.{field} > @0", value);

    public static BsonValue Ms(DateTimeOffset at) => new(at.ToUnixTimeMilliseconds());
    public static BsonValue Ms(DateTimeOffset? at) => at is { } v ? Ms(v) : BsonValue.Null;
    public static DateTimeOffset At(BsonValue value) => DateTimeOffset.FromUnixTimeMilliseconds(value.AsInt64);
    public static DateTimeOffset? AtOrNull(BsonValue value) => value.IsNull ? null : At(value);
    static BsonValue Text(string? value) => value is null ? BsonValue.Null : new BsonValue(value);
    static string? TextOrNull(BsonValue value) => value.IsNull ? null : value.AsString;

    // ---- requests -----------------------------------------------------------------------------------------

    public static BsonDocument ToDocument(AccessRequest r, DateTimeOffset? timeoutAt)
    {
        var doc = new BsonDocument
        {
            ["_id"] = r.Id.Value,
            ["requester_id"] = r.RequesterId,
            ["resource_id"] = r.ResourceId,
            ["requested_duration_ms"] = r.RequestedDuration is { } d ? new BsonValue((long)d.TotalMilliseconds) : BsonValue.Null,
            ["reason"] = Text(r.Reason),
            ["channel_id"] = Text(r.ChannelId),
            ["channel_name"] = Text(r.ChannelName),
            ["incident"] = r.Incident,
            ["state"] = r.State.ToString(),
            ["created_at"] = Ms(r.CreatedAt),
            ["decided_at"] = Ms(r.DecidedAt),
            ["decided_by"] = Text(r.DecidedBy),
            ["timeout_at"] = Ms(timeoutAt),
            ["policy_version"] = r.Decision.PolicyVersion,
            ["decision_json"] = DecisionJson.Serialize(r.Decision),
            ["votes"] = new BsonArray(),
            ["incident_id"] = Text(r.IncidentId?.Value),
        };
        DeriveRequest(doc);
        return doc;
    }

    /// <summary>
    /// While the request is pending: <c>timeout_due</c> (its approval timeout) and <c>pending_since</c> (when it
    /// was made). Both null otherwise.
    /// </summary>
    public static void DeriveRequest(BsonDocument doc)
    {
        var pending = doc["state"].AsString == nameof(RequestState.Pending);
        doc["timeout_due"] = pending ? doc["timeout_at"] : BsonValue.Null;
        doc["pending_since"] = pending ? doc["created_at"] : BsonValue.Null;
    }

    public static AccessRequest ToRequest(BsonDocument d) => new(
        new RequestId(d["_id"].AsString),
        d["requester_id"].AsString,
        d["resource_id"].AsString,
        d["requested_duration_ms"].IsNull ? null : TimeSpan.FromMilliseconds(d["requested_duration_ms"].AsInt64),
        TextOrNull(d["reason"]),
        TextOrNull(d["channel_id"]),
        TextOrNull(d["channel_name"]),
        d["incident"].AsBoolean,
        Enum.Parse<RequestState>(d["state"].AsString),
        At(d["created_at"]),
        AtOrNull(d["decided_at"]),
        TextOrNull(d["decided_by"]),
        DecisionJson.Deserialize(d["decision_json"].AsString),
        Votes(d).Select(v => v.Vote).ToList())
    {
        IncidentId = d["incident_id"].IsNull ? null : new IncidentId(d["incident_id"].AsString),
        RemindedAt = AtOrNull(d["reminded_at"]),
        EscalatedAt = AtOrNull(d["escalated_at"]),
        DenialReason = TextOrNull(d["denial_reason"]),
    };

    /// <summary>The field that records when <paramref name="step"/> was taken.</summary>
    public static string StepField(ApprovalStep step) => step == ApprovalStep.Remind ? "reminded_at" : "escalated_at";

    public static IReadOnlyList<VoteRecord> Votes(BsonDocument request) =>
        request["votes"].AsArray
            .Select(v => v.AsDocument)
            .Select(v => new VoteRecord(
                new ApprovalVote(v["approver_id"].AsString, v["approve"].AsBoolean, At(v["at"])),
                v["counts_for"].AsArray.Select(i => i.AsInt32).ToList()))
            .OrderBy(v => v.Vote.At).ThenBy(v => v.Vote.ApproverId, StringComparer.Ordinal)
            .ToList();

    public static BsonDocument ToDocument(VoteRecord vote) => new()
    {
        ["approver_id"] = vote.Vote.ApproverId,
        ["approve"] = vote.Vote.Approve,
        ["counts_for"] = new BsonArray(vote.CountsFor.Select(i => new BsonValue(i))),
        ["at"] = Ms(vote.Vote.At),
    };

    // ---- incidents ----------------------------------------------------------------------------------------

    public static BsonDocument ToDocument(Incident i)
    {
        var doc = new BsonDocument
        {
            ["_id"] = i.Id.Value,
            ["label"] = Text(i.Label),
            ["channel_id"] = i.ChannelId,
            ["channel_name"] = Text(i.ChannelName),
            ["started_by"] = i.StartedBy,
            ["started_at"] = Ms(i.StartedAt),
            ["ends_at"] = Ms(i.EndsAt),
            ["state"] = i.State.ToString(),
            ["ended_at"] = Ms(i.EndedAt),
            ["ended_by"] = Text(i.EndedBy),
            ["end_reason"] = Text(i.EndReason),
        };
        DeriveIncident(doc);
        return doc;
    }

    /// <summary>
    /// <c>current_channel</c>: the channel while the incident has not ended (at most one per channel);
    /// <c>end_due</c>: when its end is due while it has not ended (an Ending one at once).
    /// </summary>
    public static void DeriveIncident(BsonDocument doc)
    {
        var state = doc["state"].AsString;
        doc["current_channel"] = state == nameof(IncidentState.Ended) ? BsonValue.Null : doc["channel_id"];
        doc["end_due"] = state switch
        {
            nameof(IncidentState.Open) => doc["ends_at"],
            nameof(IncidentState.Ending) => Min,
            _ => BsonValue.Null,
        };
    }

    public static Incident ToIncident(BsonDocument d) => new(
        new IncidentId(d["_id"].AsString),
        TextOrNull(d["label"]),
        d["channel_id"].AsString,
        TextOrNull(d["channel_name"]),
        d["started_by"].AsString,
        At(d["started_at"]),
        At(d["ends_at"]),
        Enum.Parse<IncidentState>(d["state"].AsString),
        AtOrNull(d["ended_at"]),
        TextOrNull(d["ended_by"]),
        TextOrNull(d["end_reason"]));

    // ---- grants -------------------------------------------------------------------------------------------

    public static BsonDocument ToDocument(GrantRecord g)
    {
        var doc = new BsonDocument
        {
            ["_id"] = g.Grant.Id.Value,
            ["request_id"] = g.Grant.RequestId.Value,
            ["user_id"] = g.Grant.UserId,
            ["resource_id"] = g.Grant.ResourceId,
            ["provider_type"] = g.ProviderType,
            ["access_key"] = g.AccessKey,
            ["granted_at"] = Ms(g.Grant.GrantedAt),
            ["expires_at"] = Ms(g.Grant.ExpiresAt),
            ["state"] = g.Grant.State.ToString(),
            ["ended_at"] = Ms(g.Grant.EndedAt),
            ["revoke_attempts"] = g.RevokeAttempts,
            ["next_revoke_at"] = Ms(g.NextRevokeAt),
            ["last_error"] = Text(g.LastError),
            ["provisioned_at"] = Ms(g.ProvisionedAt),
            ["revoke_owner"] = BsonValue.Null,
            ["revoke_lease_until"] = BsonValue.Null,
        };
        DeriveGrant(doc);
        return doc;
    }

    /// <summary>
    /// While the grant is active: <c>revoke_due</c> (the later of its expiry and its next revoke attempt),
    /// <c>active_key</c> (its access key, for the ledger) and, until the provider confirms it,
    /// <c>unprovisioned_since</c>. All null once it ended, together with its revocation lease.
    /// </summary>
    public static void DeriveGrant(BsonDocument doc)
    {
        var active = doc["state"].AsString == nameof(GrantState.Active);
        var expires = doc["expires_at"].AsInt64;
        var next = doc["next_revoke_at"];
        doc["revoke_due"] = active ? new BsonValue(next.IsNull ? expires : Math.Max(expires, next.AsInt64)) : BsonValue.Null;
        doc["active_key"] = active ? doc["access_key"] : BsonValue.Null;
        doc["unprovisioned_since"] = active && doc["provisioned_at"].IsNull ? doc["granted_at"] : BsonValue.Null;
        if (!active)
        {
            doc["revoke_owner"] = BsonValue.Null;
            doc["revoke_lease_until"] = BsonValue.Null;
        }
    }

    public static GrantRecord ToGrant(BsonDocument d) => new(
        new Grant(new GrantId(d["_id"].AsString), new RequestId(d["request_id"].AsString), d["user_id"].AsString,
            d["resource_id"].AsString, At(d["granted_at"]), At(d["expires_at"]), Enum.Parse<GrantState>(d["state"].AsString),
            AtOrNull(d["ended_at"])),
        d["provider_type"].AsString,
        d["access_key"].AsString,
        d["revoke_attempts"].AsInt32,
        AtOrNull(d["next_revoke_at"]),
        TextOrNull(d["last_error"]),
        AtOrNull(d["provisioned_at"]));

    // ---- outbox -------------------------------------------------------------------------------------------

    public static BsonDocument ToOutboxDocument(NotificationKind kind, RequestId requestId, GrantId? grantId, string? payload, DateTimeOffset at, string lane) => new()
    {
        ["kind"] = kind.ToString(),
        ["request_id"] = requestId.Value,
        ["grant_id"] = Text(grantId?.Value),
        ["payload"] = Text(payload),
        ["created_at"] = Ms(at),
        ["attempts"] = 0,
        ["next_attempt_at"] = Ms(at),
        ["delivered_at"] = BsonValue.Null,
        ["last_error"] = BsonValue.Null,
        ["claimed_by"] = BsonValue.Null,
        ["lease_until"] = BsonValue.Null,
        ["lane"] = lane,
        // Until delivered: when it can next be claimed, and which request and lane it holds up.
        ["due"] = Ms(at),
        ["undelivered_request"] = requestId.Value,
        ["undelivered_lane"] = lane,
    };

    /// <summary>The lane of a notice about <paramref name="requestId"/>, from the request as stored (or none).</summary>
    public static string LaneOf(LiteDatabase db, RequestId requestId) =>
        NoticeLanes.For(requestId, db.GetCollection(Names.Requests).FindById(requestId.Value) is { } request ? ToRequest(request) : null);

    public static OutboxMessage ToOutbox(BsonDocument d) => new(
        d["_id"].AsInt64,
        Enum.Parse<NotificationKind>(d["kind"].AsString),
        new RequestId(d["request_id"].AsString),
        d["grant_id"].IsNull ? null : new GrantId(d["grant_id"].AsString),
        TextOrNull(d["payload"]),
        d["attempts"].AsInt32,
        At(d["created_at"]),
        At(d["next_attempt_at"]),
        TextOrNull(d["last_error"]))
    {
        Lane = d["lane"].IsString ? d["lane"].AsString : "",
    };

    // ---- audit --------------------------------------------------------------------------------------------

    public static BsonDocument ToDocument(AuditRecord r) => new()
    {
        ["_id"] = r.Seq,
        ["at"] = Ms(r.Event.At),
        ["kind"] = r.Event.Kind,
        ["actor"] = r.Event.Actor,
        ["request_id"] = Text(r.Event.RequestId),
        ["grant_id"] = Text(r.Event.GrantId),
        ["data"] = AuditDataJson.Serialize(r.Event.Data),
        ["prev_hash"] = r.PreviousHash,
        ["hash"] = r.Hash,
    };

    public static AuditRecord ToAudit(BsonDocument d) => new(
        d["_id"].AsInt64,
        new AuditEvent(d["kind"].AsString, At(d["at"]), d["actor"].AsString, TextOrNull(d["request_id"]), TextOrNull(d["grant_id"]),
            AuditDataJson.Deserialize(d["data"].AsString)),
        d["prev_hash"].AsString,
        d["hash"].AsString);
}
