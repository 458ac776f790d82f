using JitBot.Audit;
using JitBot.Incidents;
using JitBot.Requests;
using LiteDB;
using Microsoft.Extensions.Options;
using static JitBot.Storage.LiteDb.LiteDbDocuments;

namespace JitBot.Storage.LiteDb;

/// <summary>
/// The embedded store: one LiteDB file, one process. Every write (each transaction, and each single change
/// such as a claim or a lease) runs on one dedicated writer thread (<see cref="LiteDbWriter"/>), which makes
/// the writes of this process one line: votes are counted, the audit chain extended and notices claimed with
/// nobody else writing. Reads outside a transaction run on the caller's thread in LiteDB's own read-only
/// transactions and see what was committed. The file is opened (and migrated) on first use; a file that cannot
/// be used stops with a <see cref="StorageUnavailableException"/>.
/// </summary>
public sealed class LiteDbAccessStore : IAccessStore, IDisposable
{
    readonly ConnectionString _connection;
    readonly OutboxSignal _signal;
    readonly bool _durableCommits;
    readonly TimeProvider _time;
    readonly Lazy<(LiteDbFile File, LiteDbFlusher Flusher, LiteDbWriter Writer, LiteDbAuditChain Chain)> _open;
    readonly Lock _closing = new();
    volatile bool _disposed;

    public LiteDbAccessStore(IOptions<StorageOptions> options, OutboxSignal signal, TimeProvider time)
        : this(options.Value.ConnectionString, signal, time, options.Value.DurableCommits)
    {
    }

    public LiteDbAccessStore(string connectionString, OutboxSignal signal, TimeProvider time, bool durableCommits = false)
    {
        _connection = LiteDbFile.ParseConnectionString(connectionString);
        _signal = signal;
        _time = time;
        _durableCommits = durableCommits;
        _open = new Lazy<(LiteDbFile, LiteDbFlusher, LiteDbWriter, LiteDbAuditChain)>(Open, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The database file's full path.</summary>
    public string Path => _connection.Filename;

    (LiteDbFile File, LiteDbFlusher Flusher, LiteDbWriter Writer, LiteDbAuditChain Chain) Open()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var file = LiteDbFile.Open(_connection, db =>
        {
            // The writer thread does not exist yet: this transaction begins and ends here, without an await.
            db.BeginTrans();
            LiteDbMigrations.Apply(db, _time.GetUtcNow());
            db.Commit();
        });
        file.FlushToDisk();
        // A durable commit's caller hears of it after the flusher's next fsync; the writer goes straight on.
        var flusher = new LiteDbFlusher(file.FlushToDisk);
        var checkpoints = new LiteDbCheckpoints(file.Database, file.LogPath);
        var writer = new LiteDbWriter(file.Database, flusher.AfterCommit(_durableCommits), TimeProvider.System, between: checkpoints.Between);
        return (file, flusher, writer, new LiteDbAuditChain(writer));
    }

    LiteDbWriter Writer => _open.Value.Writer;

    /// <summary>Runs <paramref name="read"/> on the caller's thread, in a LiteDB read-only transaction of its own.</summary>
    internal Task<T> ReadAsync<T>(Func<LiteDatabase, T> read, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(read(_open.Value.File.Database));
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    Task<T> WriteAsync<T>(Func<LiteDatabase, T> write, CancellationToken cancellationToken) =>
        Writer.WriteAsync(write, durable: false, cancellationToken);

    /// <summary>A write for sending notices: after every other queued transaction (<see cref="LiteDbWriter.WriteAsync{T}"/>).</summary>
    Task<T> BackgroundWriteAsync<T>(Func<LiteDatabase, T> write, CancellationToken cancellationToken) =>
        Writer.WriteAsync(write, durable: false, cancellationToken, background: true);

    // ---- schema -------------------------------------------------------------------------------------------

    public Task MigrateAsync(CancellationToken cancellationToken) => ReadAsync(_ => 0, cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) =>
        ReadAsync(db => db.GetCollection(Names.SchemaVersion).Count(), cancellationToken);

    /// <summary>An fsync by the flusher, beside the writer: nothing is written, so the writer is not asked.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested
            ? Task.FromCanceled(cancellationToken)
            : _open.Value.Flusher.FlushAsync().WaitAsync(cancellationToken);

    /// <summary>The highest migration applied.</summary>
    public Task<int> SchemaVersionAsync(CancellationToken cancellationToken) =>
        ReadAsync(db => db.GetCollection(Names.SchemaVersion).FindAll().Select(v => v["_id"].AsInt32).DefaultIfEmpty(0).Max(), cancellationToken);

    // ---- transactions -------------------------------------------------------------------------------------

    /// <summary>
    /// A transaction that reaches the writer thread with its first step (<see cref="LiteDbWriter.Begin"/>): nobody
    /// else writes from that step until it ends, which is all a caller can observe of when it began.
    /// </summary>
    public Task<IAccessStoreTransaction> BeginAsync(CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Task.FromResult<IAccessStoreTransaction>(new LiteDbTransaction(Writer.Begin(durable: false), _open.Value.Chain, _signal));
        }
        catch (Exception e)
        {
            return Task.FromException<IAccessStoreTransaction>(e);
        }
    }

    // ---- requests and grants ------------------------------------------------------------------------------

    public Task<AccessRequest?> FindRequestAsync(RequestId id, CancellationToken cancellationToken) =>
        ReadAsync(db => db.GetCollection(Names.Requests).FindById(id.Value) is { } d ? ToRequest(d) : null, cancellationToken);

    public Task<GrantRecord?> FindGrantAsync(GrantId id, CancellationToken cancellationToken) =>
        ReadAsync(db => db.GetCollection(Names.Grants).FindById(id.Value) is { } d ? ToGrant(d) : null, cancellationToken);

    public Task<GrantRecord?> FindGrantByRequestAsync(RequestId id, CancellationToken cancellationToken) =>
        ReadAsync(db => db.GetCollection(Names.Grants).FindOne(Equal("request_id", id.Value)) is { } d ? ToGrant(d) : null, cancellationToken);

    public Task<IReadOnlyList<RequestId>> OverduePendingAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<RequestId>>(db => db.GetCollection(Names.Requests)
            .UpTo("timeout_due", Ms(now), limit: max)
            .Select(d => new RequestId(d["_id"].AsString)).ToList(), cancellationToken);

    public Task<IReadOnlyList<PendingTimeout>> PendingTimeoutsAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<PendingTimeout>>(db => db.GetCollection(Names.Requests)
            .UpTo("timeout_due", Max)
            .Select(d => new PendingTimeout(new RequestId(d["_id"].AsString), At(d["timeout_due"]))).ToList(), cancellationToken);

    public Task<IReadOnlyList<GrantId>> OverdueGrantsAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<GrantId>>(db => db.GetCollection(Names.Grants)
            .UpTo("revoke_due", Ms(now), limit: max)
            .Select(d => new GrantId(d["_id"].AsString)).ToList(), cancellationToken);

    public Task<IReadOnlyList<GrantRecord>> ActiveGrantsAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<GrantRecord>>(db => db.GetCollection(Names.Grants)
            .UpTo("revoke_due", Max)
            .Select(ToGrant).OrderBy(g => g.Grant.ExpiresAt).ToList(), cancellationToken);

    public Task<int> ActiveGrantCountAsync(CancellationToken cancellationToken) =>
        ReadAsync(db => db.GetCollection(Names.Grants).Count(Between("revoke_due", Min, Max)), cancellationToken);

    public Task<IReadOnlyList<GrantId>> UnprovisionedGrantsAsync(DateTimeOffset grantedBefore, DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<GrantId>>(db => db.GetCollection(Names.Grants)
            .UpTo("unprovisioned_since", Ms(grantedBefore))
            .Where(d => d["expires_at"].AsInt64 > now.ToUnixTimeMilliseconds())
            .Take(max)
            .Select(d => new GrantId(d["_id"].AsString)).ToList(), cancellationToken);

    public Task<IReadOnlyList<AccessRequest>> FindRequestsAsync(IReadOnlyCollection<RequestId> ids, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<AccessRequest>>(db =>
        {
            var requests = db.GetCollection(Names.Requests);
            return ids.Distinct().Select(id => requests.FindById(id.Value)).OfType<BsonDocument>().Select(ToRequest).ToList();
        }, cancellationToken);

    public Task<IReadOnlyList<GrantRecord>> LeaseRevocationsAsync(IReadOnlyCollection<GrantId> ids, string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<GrantRecord>>(db =>
        {
            var grants = db.GetCollection(Names.Grants);
            var leased = new List<GrantRecord>();
            foreach (var id in ids.Distinct())
            {
                var doc = grants.FindById(id.Value);
                if (doc is null || doc["state"].AsString != nameof(GrantState.Active)) continue;
                if (!doc["revoke_lease_until"].IsNull && doc["revoke_lease_until"].AsInt64 > now.ToUnixTimeMilliseconds()) continue;
                doc["revoke_owner"] = owner;
                doc["revoke_lease_until"] = Ms(now + lease);
                if (grants.Update(doc)) leased.Add(ToGrant(doc));
            }
            return leased;
        }, cancellationToken);

    public Task ReleaseRevocationsAsync(IReadOnlyCollection<GrantId> ids, string owner, CancellationToken cancellationToken) =>
        WriteAsync(db =>
        {
            var grants = db.GetCollection(Names.Grants);
            var released = 0;
            foreach (var id in ids.Distinct())
            {
                var doc = grants.FindById(id.Value);
                if (doc is null || doc["revoke_owner"] != owner) continue;
                doc["revoke_owner"] = BsonValue.Null;
                doc["revoke_lease_until"] = BsonValue.Null;
                if (grants.Update(doc)) released++;
            }
            return released;
        }, cancellationToken);

    public Task<IReadOnlyList<GrantRecord>> FindGrantsByIdPrefixAsync(string idPrefix, int max, CancellationToken cancellationToken) =>
        !IdPrefix.IsSearchable(idPrefix) || max <= 0 ? Task.FromResult<IReadOnlyList<GrantRecord>>([]) :
        ReadAsync<IReadOnlyList<GrantRecord>>(db => ByIdPrefix(db.GetCollection(Names.Grants), idPrefix, max).Select(ToGrant).ToList(), cancellationToken);

    public Task<IReadOnlyList<AccessRequest>> FindRequestsByIdPrefixAsync(string idPrefix, int max, CancellationToken cancellationToken) =>
        !IdPrefix.IsSearchable(idPrefix) || max <= 0 ? Task.FromResult<IReadOnlyList<AccessRequest>>([]) :
        ReadAsync<IReadOnlyList<AccessRequest>>(db => ByIdPrefix(db.GetCollection(Names.Requests), idPrefix, max).Select(ToRequest).ToList(), cancellationToken);

    /// <summary>The documents whose <c>_id</c> starts with <paramref name="prefix"/>: one range of the primary key, in id order.</summary>
    static IEnumerable<BsonDocument> ByIdPrefix(ILiteCollection<BsonDocument> collection, string prefix, int max) =>
        collection.Find(BsonExpression.Create("$._id >= @0 AND $._id < @1", prefix, IdPrefix.UpperBound(prefix)))
            .Where(d => d["_id"].AsString.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(d => d["_id"].AsString, StringComparer.Ordinal)
            .Take(max);

    // A person's requests and grants are found by the requester_id / user_id index and sorted here: one person's
    // history is small next to the collection.
    public Task<IReadOnlyList<AccessRequest>> RequestsByRequesterAsync(string userId, DateTimeOffset since, int max, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<AccessRequest>>(db => db.GetCollection(Names.Requests).Find(Equal("requester_id", userId))
            .Where(d => d["created_at"].AsInt64 >= since.ToUnixTimeMilliseconds())
            .OrderByDescending(d => d["created_at"].AsInt64).ThenByDescending(d => d["_id"].AsString, StringComparer.Ordinal)
            .Take(Math.Max(0, max)).Select(ToRequest).ToList(), cancellationToken);

    public Task<IReadOnlyList<GrantRecord>> GrantsForUserAsync(string userId, DateTimeOffset since, int max, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<GrantRecord>>(db => db.GetCollection(Names.Grants).Find(Equal("user_id", userId))
            .Select(ToGrant)
            .Where(g => g.Grant.State == GrantState.Active || g.Grant.EndedAt >= since)
            .OrderBy(g => g, UserGrantOrder.Instance)
            .Take(Math.Max(0, max)).ToList(), cancellationToken);

    public Task<IReadOnlyList<AccessRequest>> PendingRequestsAsync(int max, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<AccessRequest>>(db => db.GetCollection(Names.Requests)
            .UpTo("pending_since", Max)
            .Select(ToRequest).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id.Value, StringComparer.Ordinal)
            .Take(Math.Max(0, max)).ToList(), cancellationToken);

    public Task<IReadOnlyList<GrantRecord>> UnwarnedGrantsEndingAsync(DateTimeOffset now, DateTimeOffset by, TimeSpan longerThan, int max, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<GrantRecord>>(db => db.GetCollection(Names.Grants)
            // revoke_due is the end of an active grant whose revocation has not failed: the range is the window.
            .Find(Between("revoke_due", Ms(now), Ms(by)))
            .Select(ToGrant)
            .Where(g => g.Grant.ExpiresAt > now && g.Grant.ExpiresAt <= by && g.WarnedFor != g.Grant.ExpiresAt && g.RevokedBy is null
                        && g.Grant.ExpiresAt - g.Grant.GrantedAt > longerThan)
            .OrderBy(g => g.Grant.ExpiresAt).ThenBy(g => g.Grant.Id.Value, StringComparer.Ordinal)
            .Take(Math.Max(0, max)).ToList(), cancellationToken);

    // ---- incidents ----------------------------------------------------------------------------------------

    public Task<Incident?> FindIncidentAsync(IncidentId id, CancellationToken cancellationToken) =>
        ReadAsync(db => db.GetCollection(Names.Incidents).FindById(id.Value) is { } d ? ToIncident(d) : null, cancellationToken);

    public Task<Incident?> CurrentIncidentAsync(string channelId, CancellationToken cancellationToken) =>
        ReadAsync(db => db.GetCollection(Names.Incidents).FindOne(Query.EQ("current_channel", channelId)) is { } d ? ToIncident(d) : null, cancellationToken);

    public Task<IReadOnlyList<Incident>> IncidentsToEndAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<Incident>>(db => db.GetCollection(Names.Incidents).UpTo("end_due", Ms(now)).Select(ToIncident).ToList(), cancellationToken);

    public Task<IReadOnlyList<AccessRequest>> IncidentRequestsAsync(IncidentId id, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<AccessRequest>>(db => db.GetCollection(Names.Requests).Find(Query.EQ("incident_id", id.Value))
            .Select(ToRequest).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id.Value, StringComparer.Ordinal).ToList(), cancellationToken);

    public Task<IReadOnlyList<GrantRecord>> IncidentGrantsAsync(IncidentId id, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<GrantRecord>>(db =>
        {
            var grants = db.GetCollection(Names.Grants);
            return db.GetCollection(Names.Requests).Find(Query.EQ("incident_id", id.Value))
                .Select(r => grants.FindOne(Query.EQ("request_id", r["_id"].AsString))).OfType<BsonDocument>()
                .Select(ToGrant).OrderBy(g => g.Grant.GrantedAt).ThenBy(g => g.Grant.Id.Value, StringComparer.Ordinal).ToList();
        }, cancellationToken);

    // ---- outbox -------------------------------------------------------------------------------------------

    public async Task<IReadOnlyList<OutboxMessage>> ClaimNotificationsAsync(string owner, DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken)
    {
        // The dispatcher asks whenever a sender finishes; when no lane head is due, the writer thread is not bothered.
        if (!await ReadAsync(db => LiteDbOutbox.AnyDue(db, now), cancellationToken).ConfigureAwait(false))
            return [];
        return await BackgroundWriteAsync<IReadOnlyList<OutboxMessage>>(db => LiteDbOutbox.Claim(db, owner, now, lease, max).Select(ToOutbox).ToList(), cancellationToken)
            .ConfigureAwait(false);
    }

    public Task<OutboxBacklog> OutboxBacklogAsync(CancellationToken cancellationToken) =>
        ReadAsync(db =>
        {
            var count = 0;
            DateTimeOffset? oldest = null;
            foreach (var doc in db.GetCollection(Names.Outbox, BsonAutoId.Int64).Find(Between("due", Min, Max)))
            {
                count++;
                var queued = At(doc["created_at"]);
                if (oldest is null || queued < oldest) oldest = queued;
            }
            return new OutboxBacklog(count, oldest);
        }, cancellationToken);

    public async Task EnqueueNoticeAsync(NotificationKind kind, RequestId subject, string lane, string payload, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await WriteAsync(db =>
        {
            LiteDbOutbox.Insert(db, ToOutboxDocument(kind, subject, null, payload, at, lane));
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _signal.Notify();
    }

    public Task<int> UndeliveredCountAsync(CancellationToken cancellationToken) =>
        ReadAsync(db => db.GetCollection(Names.Outbox, BsonAutoId.Int64).Count(Between("due", Min, Max)), cancellationToken);

    public Task<bool> MarkDeliveredAsync(long outboxId, string owner, DateTimeOffset at, CancellationToken cancellationToken) =>
        BackgroundWriteAsync(db => LiteDbOutbox.MarkDelivered(db, outboxId, owner, at), cancellationToken);

    public Task<IReadOnlyList<OutboxMessage>> ClaimFollowingAsync(OutboxMessage head, string owner, DateTimeOffset now, TimeSpan lease, int max,
        CancellationToken cancellationToken) =>
        BackgroundWriteAsync<IReadOnlyList<OutboxMessage>>(db => LiteDbOutbox.ClaimFollowing(db, head.Id, owner, now, lease, max).Select(ToOutbox).ToList(),
            cancellationToken);

    public Task<int> MarkAllDeliveredAsync(IReadOnlyList<long> outboxIds, string owner, DateTimeOffset at, CancellationToken cancellationToken) =>
        BackgroundWriteAsync(db => outboxIds.Order().Count(id => LiteDbOutbox.MarkDelivered(db, id, owner, at)), cancellationToken);

    public Task<int> MarkAllFailedAsync(IReadOnlyList<(long Id, int Attempts)> notices, string owner, DateTimeOffset nextAttemptAt, string error,
        CancellationToken cancellationToken) =>
        BackgroundWriteAsync(db => notices.Count(n => LiteDbOutbox.MarkFailed(db, n.Id, owner, n.Attempts, nextAttemptAt, error)), cancellationToken);

    public Task<bool> MarkDeliveryFailedAsync(long outboxId, string owner, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken) =>
        BackgroundWriteAsync(db => LiteDbOutbox.MarkFailed(db, outboxId, owner, attempts, nextAttemptAt, error), cancellationToken);

    // ---- audit --------------------------------------------------------------------------------------------

    public Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(long afterSeq, int max, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<AuditRecord>>(db => db.GetCollection(Names.Audit)
            .Find(Above("_id", afterSeq), limit: max)
            .Select(ToAudit).ToList(), cancellationToken);

    public Task<IReadOnlyList<AuditRecord>> AuditForRequestAsync(string requestId, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<AuditRecord>>(db => db.GetCollection(Names.Audit)
            .Find(Equal("request_id", requestId))
            .Select(ToAudit).OrderBy(a => a.Seq).ToList(), cancellationToken);

    public Task<long> LastAuditSeqAsync(CancellationToken cancellationToken) =>
        ReadAsync(db => db.GetCollection(Names.Audit).Count() == 0 ? 0L : db.GetCollection(Names.Audit).Max("_id").AsInt64, cancellationToken);

    // The log's end backwards, by its primary key (there is no index on the stamp), up to the first event stamped earlier.
    public Task<long> AuditSeqBeforeAsync(DateTimeOffset at, CancellationToken cancellationToken) =>
        ReadAsync(db => db.GetCollection(Names.Audit).Find(Query.All(Query.Descending))
            .FirstOrDefault(d => d["at"].AsInt64 < at.ToUnixTimeMilliseconds())?["_id"].AsInt64 ?? 0L, cancellationToken);

    // ---- message references -------------------------------------------------------------------------------

    // Message refs are saved while notices are sent: a background write like the outbox's.
    public Task SaveAsync(MessageRef reference, CancellationToken cancellationToken) =>
        BackgroundWriteAsync(db => SaveRef(db, reference), cancellationToken);

    /// <summary>Several references in one background write (<see cref="IMessageRefStore.SaveAllAsync"/>).</summary>
    public Task SaveAllAsync(IReadOnlyList<MessageRef> references, CancellationToken cancellationToken) =>
        references.Count == 0 ? Task.CompletedTask : BackgroundWriteAsync(db => references.Count(r => SaveRef(db, r)), cancellationToken);

    /// <summary>Saves <paramref name="reference"/> unless its request and kind have one already; whether it did.</summary>
    static bool SaveRef(LiteDatabase db, MessageRef reference)
    {
        var refs = db.GetCollection(Names.MessageRefs);
        var id = $"{reference.RequestId.Value}|{reference.Kind}";
        if (refs.FindById(id) is not null) return false;
        refs.Insert(new BsonDocument
        {
            ["_id"] = id,
            ["request_id"] = reference.RequestId.Value,
            ["kind"] = reference.Kind,
            ["channel"] = reference.Channel,
            ["ts"] = reference.Ts,
        });
        return true;
    }

    public Task<MessageRef?> FindAsync(RequestId requestId, string kind, CancellationToken cancellationToken) =>
        ReadAsync(db => db.GetCollection(Names.MessageRefs).FindById($"{requestId.Value}|{kind}") is { } d
            ? new MessageRef(requestId, kind, d["channel"].AsString, d["ts"].AsString)
            : null, cancellationToken);

    // ---- seen keys ----------------------------------------------------------------------------------------

    public Task<bool> FirstSeenAsync(string key, DateTimeOffset now, TimeSpan keepFor, CancellationToken cancellationToken) =>
        WriteAsync(db =>
        {
            var keys = db.GetCollection(Names.SeenKeys);
            keys.DeleteMany(Between("expires_at", Min, Ms(now - TimeSpan.FromMilliseconds(1))));
            if (keys.FindById(key) is not null) return false;
            keys.Insert(new BsonDocument { ["_id"] = key, ["expires_at"] = Ms(now + keepFor) });
            return true;
        }, cancellationToken);

    // ---- closing ------------------------------------------------------------------------------------------

    /// <summary>
    /// Lets queued writes finish, moves the log into the data file (so a stopped bot leaves one file to copy), closes
    /// the file and releases the lock. A second call
    /// made while the first is still closing (the host and its entry point both disposing the services) returns
    /// only once the file is closed, so whoever called it may open the file next.
    /// </summary>
    public void Dispose()
    {
        lock (_closing)
        {
            if (_disposed) return;
            _disposed = true;
            if (!_open.IsValueCreated) return;
            var (file, flusher, writer, _) = _open.Value;
            writer.Dispose(); // the last durable commits ask the flusher, which flushes once more for them
            flusher.Dispose();
            try
            {
                file.Database.Checkpoint(); // LiteDB's own shutdown checkpoint is off with its automatic ones
            }
            catch (Exception e) when (e is IOException or LiteException)
            {
                // Nothing is lost: the log stays beside the file and is read back when it next opens.
            }
            file.Dispose();
        }
    }
}
