using JitBot.Audit;
using JitBot.Incidents;
using JitBot.Requests;
using LiteDB;
using static JitBot.Storage.LiteDb.LiteDbDocuments;

namespace JitBot.Storage.LiteDb;

/// <summary>
/// A write transaction: a <see cref="LiteDbWriter.Session"/> on the writer thread. Every call runs there, one
/// after the other, so the transaction sees its own writes and nobody else writes until it ends; reading a
/// request therefore also locks it. Every step of a session is a round trip between the caller and the writer
/// thread, which waits for the caller in between, so writes that return nothing are not steps of their own:
/// inserts go with the next step (or the commit), before it, in the order they were made, so that step sees
/// them; audit events and notices, which nothing in the transaction reads back, are written when it commits, in
/// the order they were added, in the same step as the commit. A submission is thus one round trip.
/// </summary>
internal sealed class LiteDbTransaction(LiteDbWriter.Session session, LiteDbAuditChain chain, OutboxSignal signal) : IAccessStoreTransaction
{
    readonly List<Action<LiteDatabase>> _beforeNextStep = [];
    readonly List<Action<LiteDatabase>> _atCommit = [];
    bool _enqueued;

    Task<T> RunAsync<T>(Func<LiteDatabase, T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_beforeNextStep.Count == 0) return session.RunAsync(work);
        var writes = TakeBeforeNextStep();
        return session.RunAsync(db =>
        {
            foreach (var write in writes) write(db);
            return work(db);
        });
    }

    /// <summary>A write whose result nobody waits for: made with the transaction's next step.</summary>
    Task Defer(Action<LiteDatabase> write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _beforeNextStep.Add(write);
        return Task.CompletedTask;
    }

    List<Action<LiteDatabase>> TakeBeforeNextStep()
    {
        var writes = _beforeNextStep.ToList();
        _beforeNextStep.Clear();
        return writes;
    }

    public Task<AccessRequest?> FindRequestAsync(RequestId id, CancellationToken cancellationToken) =>
        RunAsync(db => db.GetCollection(Names.Requests).FindById(id.Value) is { } d ? ToRequest(d) : null, cancellationToken);

    public Task<IReadOnlyList<VoteRecord>> VotesAsync(RequestId id, CancellationToken cancellationToken) =>
        RunAsync(db => db.GetCollection(Names.Requests).FindById(id.Value) is { } d ? Votes(d) : [], cancellationToken);

    public Task InsertRequestAsync(AccessRequest request, DateTimeOffset? timeoutAt, CancellationToken cancellationToken) =>
        Defer(db => db.GetCollection(Names.Requests).Insert(ToDocument(request, timeoutAt)), cancellationToken);

    public Task<bool> TryMoveRequestAsync(RequestId id, RequestState expected, RequestState next, DateTimeOffset at, string? decidedBy, CancellationToken cancellationToken) =>
        RunAsync(db =>
        {
            var requests = db.GetCollection(Names.Requests);
            var doc = requests.FindById(id.Value);
            if (doc is null || doc["state"].AsString != expected.ToString()) return false;
            doc["state"] = next.ToString();
            if (doc["decided_at"].IsNull) doc["decided_at"] = Ms(at);
            if (doc["decided_by"].IsNull && decidedBy is not null) doc["decided_by"] = decidedBy;
            DeriveRequest(doc);
            return requests.Update(doc);
        }, cancellationToken);

    public Task<bool> TryMarkApprovalStepAsync(RequestId id, ApprovalStep step, DateTimeOffset at, CancellationToken cancellationToken) =>
        RunAsync(db =>
        {
            var requests = db.GetCollection(Names.Requests);
            var doc = requests.FindById(id.Value);
            var field = StepField(step);
            if (doc is null || doc["state"].AsString != nameof(RequestState.Pending) || !doc[field].IsNull) return false;
            doc[field] = Ms(at);
            return requests.Update(doc);
        }, cancellationToken);

    public Task SetDenialReasonAsync(RequestId id, string reason, CancellationToken cancellationToken) =>
        RunAsync(db =>
        {
            var requests = db.GetCollection(Names.Requests);
            if (requests.FindById(id.Value) is not { } doc) return false;
            doc["denial_reason"] = reason;
            return requests.Update(doc);
        }, cancellationToken);

    public Task<bool> TryAddVoteAsync(RequestId id, VoteRecord vote, CancellationToken cancellationToken) =>
        RunAsync(db =>
        {
            var requests = db.GetCollection(Names.Requests);
            var doc = requests.FindById(id.Value) ?? throw new InvalidOperationException($"Request {id} does not exist, so it cannot take a vote.");
            var votes = doc["votes"].AsArray;
            if (votes.Any(v => v.AsDocument["approver_id"].AsString == vote.Vote.ApproverId)) return false;
            votes.Add(ToDocument(vote));
            return requests.Update(doc);
        }, cancellationToken);

    public Task InsertGrantAsync(GrantRecord grant, CancellationToken cancellationToken) =>
        Defer(db => db.GetCollection(Names.Grants).Insert(ToDocument(grant)), cancellationToken);

    public Task<GrantRecord?> FindGrantAsync(GrantId id, CancellationToken cancellationToken) =>
        RunAsync(db => db.GetCollection(Names.Grants).FindById(id.Value) is { } d ? ToGrant(d) : null, cancellationToken);

    public Task<bool> TryMoveGrantAsync(GrantId id, GrantState expected, GrantState next, DateTimeOffset at, CancellationToken cancellationToken) =>
        UpdateGrantAsync(id, doc =>
        {
            if (doc["state"].AsString != expected.ToString()) return false;
            doc["state"] = next.ToString();
            doc["ended_at"] = Ms(at);
            doc["next_revoke_at"] = BsonValue.Null;
            return true;
        }, cancellationToken);

    public async Task<IReadOnlyList<GrantId>> TryMoveGrantsAsync(IReadOnlyCollection<GrantId> ids, GrantState expected, GrantState next, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var moved = new List<GrantId>();
        foreach (var id in ids.Distinct())
            if (await TryMoveGrantAsync(id, expected, next, at, cancellationToken).ConfigureAwait(false)) moved.Add(id);
        return moved;
    }

    public Task RecordRevokeFailureAsync(GrantId id, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken) =>
        UpdateGrantAsync(id, doc =>
        {
            if (doc["state"].AsString != nameof(GrantState.Active)) return false;
            doc["revoke_attempts"] = attempts;
            doc["next_revoke_at"] = Ms(nextAttemptAt);
            doc["last_error"] = error;
            return true;
        }, cancellationToken);

    public Task MarkProvisionedAsync(GrantId id, DateTimeOffset at, AuditEvent audit, NotificationKind notice, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // With the commit, in its place among the audit events and notices: whether it is the first is decided there.
        _atCommit.Add(db =>
        {
            var grants = db.GetCollection(Names.Grants);
            var doc = grants.FindById(id.Value);
            if (doc is null || doc["state"].AsString != nameof(GrantState.Active) || !doc["provisioned_at"].IsNull) return;
            doc["provisioned_at"] = Ms(at);
            DeriveGrant(doc);
            grants.Update(doc);
            chain.Append(db, [audit]);
            var requestId = new RequestId(doc["request_id"].AsString);
            LiteDbOutbox.Insert(db, ToOutboxDocument(notice, requestId, id, null, at, LaneOf(db, requestId)));
        });
        _enqueued = true;
        return Task.CompletedTask;
    }

    Task<bool> UpdateGrantAsync(GrantId id, Func<BsonDocument, bool> change, CancellationToken cancellationToken) =>
        RunAsync(db =>
        {
            var grants = db.GetCollection(Names.Grants);
            var doc = grants.FindById(id.Value);
            if (doc is null || !change(doc)) return false;
            DeriveGrant(doc);
            return grants.Update(doc);
        }, cancellationToken);

    public Task<IReadOnlyList<GrantRecord>> ActiveGrantsForKeysAsync(IReadOnlyCollection<string> accessKeys, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<GrantRecord>>(db =>
        {
            var grants = db.GetCollection(Names.Grants);
            return accessKeys.Distinct(StringComparer.Ordinal)
                .SelectMany(key => grants.Find(Equal("active_key", key)))
                .Select(ToGrant).OrderBy(g => g.Grant.ExpiresAt).ThenBy(g => g.Grant.Id.Value, StringComparer.Ordinal).ToList();
        }, cancellationToken);

    public Task<bool> TryInsertIncidentAsync(Incident incident, CancellationToken cancellationToken) =>
        RunAsync(db =>
        {
            // Nobody else writes while this transaction is open: the check and the insert are one step.
            var incidents = db.GetCollection(Names.Incidents);
            if (incidents.Exists(Query.EQ("current_channel", incident.ChannelId))) return false;
            incidents.Insert(ToDocument(incident));
            return true;
        }, cancellationToken);

    public Task<bool> TryMoveIncidentAsync(IncidentId id, IncidentState expected, IncidentState next, DateTimeOffset at, string? by, string? reason, CancellationToken cancellationToken) =>
        RunAsync(db =>
        {
            var incidents = db.GetCollection(Names.Incidents);
            var doc = incidents.FindById(id.Value);
            if (doc is null || doc["state"].AsString != expected.ToString()) return false;
            doc["state"] = next.ToString();
            if (doc["ended_at"].IsNull)
            {
                doc["ended_at"] = Ms(at);
                doc["ended_by"] = by is null ? BsonValue.Null : new BsonValue(by);
                doc["end_reason"] = reason is null ? BsonValue.Null : new BsonValue(reason);
            }
            DeriveIncident(doc);
            return incidents.Update(doc);
        }, cancellationToken);

    public async Task<IReadOnlyList<GrantId>> CutGrantsShortAsync(IReadOnlyCollection<GrantId> ids, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var cut = new List<GrantId>();
        foreach (var id in ids.Distinct())
        {
            var changed = await UpdateGrantAsync(id, doc =>
            {
                if (doc["state"].AsString != nameof(GrantState.Active) || doc["expires_at"].AsInt64 <= at.ToUnixTimeMilliseconds()) return false;
                doc["expires_at"] = Ms(at);
                return true;
            }, cancellationToken).ConfigureAwait(false);
            if (changed) cut.Add(id);
        }
        return cut;
    }

    public Task<bool> TryExtendGrantAsync(GrantId id, DateTimeOffset expectedExpiresAt, DateTimeOffset newExpiresAt, CancellationToken cancellationToken) =>
        UpdateGrantAsync(id, doc =>
        {
            if (doc["state"].AsString != nameof(GrantState.Active) || !doc["revoked_by"].IsNull
                || doc["expires_at"].AsInt64 != expectedExpiresAt.ToUnixTimeMilliseconds()) return false;
            doc["expires_at"] = Ms(newExpiresAt);
            doc["extensions"] = (doc["extensions"].IsNull ? 0 : doc["extensions"].AsInt32) + 1;
            return true;
        }, cancellationToken);

    public Task<bool> TryMarkRevokedByAsync(GrantId id, string by, string? reason, DateTimeOffset at, CancellationToken cancellationToken) =>
        UpdateGrantAsync(id, doc =>
        {
            if (doc["state"].AsString != nameof(GrantState.Active) || !doc["revoked_by"].IsNull) return false;
            doc["revoked_by"] = by;
            doc["revoke_reason"] = Text(reason);
            if (doc["expires_at"].AsInt64 > at.ToUnixTimeMilliseconds()) doc["expires_at"] = Ms(at);
            return true;
        }, cancellationToken);

    public Task<bool> TryMarkWarnedAsync(GrantId id, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        UpdateGrantAsync(id, doc =>
        {
            var end = expiresAt.ToUnixTimeMilliseconds();
            if (doc["state"].AsString != nameof(GrantState.Active) || doc["expires_at"].AsInt64 != end
                || (!doc["warned_for"].IsNull && doc["warned_for"].AsInt64 == end)) return false;
            doc["warned_for"] = Ms(expiresAt);
            return true;
        }, cancellationToken);

    public Task EnqueueAsync(NotificationKind kind, RequestId requestId, GrantId? grantId, string? payload, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // The lane is the request's as stored when the transaction commits (LaneOf reads it then).
        _atCommit.Add(db => LiteDbOutbox.Insert(db, ToOutboxDocument(kind, requestId, grantId, payload, at, LaneOf(db, requestId))));
        _enqueued = true;
        return Task.CompletedTask;
    }

    public Task AppendAuditAsync(AuditEvent auditEvent, CancellationToken cancellationToken) => AppendAuditAsync([auditEvent], cancellationToken);

    public Task AppendAuditAsync(IReadOnlyList<AuditEvent> auditEvents, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (auditEvents.Count > 0) _atCommit.Add(db => chain.Append(db, auditEvents));
        return Task.CompletedTask;
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_beforeNextStep.Count > 0 || _atCommit.Count > 0)
        {
            // The deferred writes and the commit are posted together: the writer runs both without waiting for us.
            var writes = TakeBeforeNextStep();
            writes.AddRange(_atCommit);
            _atCommit.Clear();
            var (written, committed) = session.RunAndCommit(db =>
            {
                foreach (var write in writes) write(db);
                return true;
            });
            _ = committed.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            await written.ConfigureAwait(false);
            await committed.ConfigureAwait(false);
        }
        else
        {
            await session.CommitAsync().ConfigureAwait(false);
        }
        if (_enqueued) signal.Notify();
    }

    public async ValueTask DisposeAsync() => await session.EndAsync().ConfigureAwait(false);
}
