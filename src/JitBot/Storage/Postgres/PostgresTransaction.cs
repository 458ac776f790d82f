using JitBot.Audit;
using JitBot.Incidents;
using JitBot.Requests;
using Npgsql;
using static JitBot.Storage.Postgres.PostgresValues;

namespace JitBot.Storage.Postgres;

/// <summary>
/// A write transaction on one pooled connection (READ COMMITTED). Every state change is an
/// <c>UPDATE … WHERE state = @expected</c>; reading a request locks its row. Every round trip to the server is one
/// batch (<see cref="PostgresBatcher"/>), and a transaction makes as few as it can: writes whose result nobody reads
/// (inserting a request or a grant, storing a denial reason, recording a failed revocation) are not sent by
/// themselves but go first in the batch of the transaction's next statement, or of the commit, in the order they
/// were made, so that statement sees them; an error they meet (a unique key taken, say) is thrown by that next call
/// or by <see cref="CommitAsync"/>, as the same <see cref="PostgresException"/>, and the transaction is then failed
/// and rolled back when disposed. Audit events and notices, which nothing in the transaction reads back, are kept
/// until the commit (<see cref="PostgresNotices"/>). The commit is then at most three round trips: the deferred
/// writes, the notices (and the read of any request whose lane they need that the transaction has not seen) and
/// the lock on the one-row audit chain head (<c>jitbot.audit_head</c>, <see cref="PostgresAuditChain"/>) in one
/// batch; the audit events and the new head in a second; then COMMIT. The chain head is always the last lock a
/// transaction takes (rows first), so transactions never wait for each other in a circle; every writer of every
/// replica shares it, so it is held only for those last two round trips.
/// </summary>
internal sealed class PostgresTransaction : IAccessStoreTransaction
{
    readonly NpgsqlConnection _connection;
    readonly NpgsqlTransaction _transaction;
    readonly OutboxSignal _signal;
    readonly PostgresBatcher _batcher;
    readonly PostgresSession _session;
    readonly PostgresNotices _notices = new();
    readonly List<AuditEvent> _audit = [];

    public PostgresTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxSignal signal)
    {
        (_connection, _transaction, _signal) = (connection, transaction, signal);
        _batcher = new PostgresBatcher(connection, transaction);
        _session = new PostgresSession(_batcher);
    }

    Task<int> ExecuteAsync(NpgsqlBatchCommand statement, CancellationToken cancellationToken) => _batcher.ExecuteAsync(statement, cancellationToken);

    /// <summary>A write whose result nobody reads: sent with the transaction's next statement.</summary>
    Task Defer(NpgsqlBatchCommand write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _batcher.Defer(write);
        return Task.CompletedTask;
    }

    public async Task<AccessRequest?> FindRequestAsync(RequestId id, CancellationToken cancellationToken)
    {
        var request = await _session.FindRequestAsync(id, lockRow: true, cancellationToken).ConfigureAwait(false);
        if (request is not null) _notices.Know(request);
        return request;
    }

    public Task<IReadOnlyList<VoteRecord>> VotesAsync(RequestId id, CancellationToken cancellationToken) =>
        _session.VotesAsync(id, cancellationToken);

    public Task InsertRequestAsync(AccessRequest request, DateTimeOffset? timeoutAt, CancellationToken cancellationToken)
    {
        _notices.Know(request);
        return Defer(Statement("""
            INSERT INTO jitbot.requests (id, requester_id, resource_id, requested_duration_ms, reason, channel_id, channel_name, incident,
                state, created_at, decided_at, decided_by, timeout_at, policy_version, decision_json, incident_id, extends_grant, extends_to)
            VALUES (@id, @requester, @resource, @duration, @reason, @channel_id, @channel_name, @incident,
                @state, @created_at, @decided_at, @decided_by, @timeout_at, @policy_version, @decision, @incident_id, @extends_grant, @extends_to)
            """)
            .With("incident_id", Text(request.IncidentId?.Value))
            .With("extends_grant", Text(request.ExtendsGrant?.Value))
            .With("extends_to", Ts(request.ExtendsTo))
            .With("id", request.Id.Value)
            .With("requester", request.RequesterId)
            .With("resource", request.ResourceId)
            .With("duration", request.RequestedDuration is { } d ? (long)d.TotalMilliseconds : null)
            .With("reason", Text(request.Reason))
            .With("channel_id", Text(request.ChannelId))
            .With("channel_name", Text(request.ChannelName))
            .With("incident", request.Incident)
            .With("state", request.State.ToString())
            .With("created_at", Ts(request.CreatedAt))
            .With("decided_at", Ts(request.DecidedAt))
            .With("decided_by", Text(request.DecidedBy))
            .With("timeout_at", Ts(timeoutAt))
            .With("policy_version", request.Decision.PolicyVersion)
            .With("decision", DecisionJson.Serialize(request.Decision)), cancellationToken);
    }

    public async Task<bool> TryMoveRequestAsync(RequestId id, RequestState expected, RequestState next, DateTimeOffset at, string? decidedBy, CancellationToken cancellationToken) =>
        await ExecuteAsync(Statement("""
            UPDATE jitbot.requests SET state = @next, decided_at = COALESCE(decided_at, @at), decided_by = COALESCE(decided_by, @by)
            WHERE id = @id AND state = @expected
            """)
            .With("id", id.Value).With("expected", expected.ToString()).With("next", next.ToString())
            .With("at", Ts(at)).With("by", Text(decidedBy)), cancellationToken).ConfigureAwait(false) == 1;

    public async Task<bool> TryMarkApprovalStepAsync(RequestId id, ApprovalStep step, DateTimeOffset at, CancellationToken cancellationToken) =>
        await ExecuteAsync(Statement(step == ApprovalStep.Remind
                ? "UPDATE jitbot.requests SET reminded_at = @at WHERE id = @id AND state = 'Pending' AND reminded_at IS NULL"
                : "UPDATE jitbot.requests SET escalated_at = @at WHERE id = @id AND state = 'Pending' AND escalated_at IS NULL")
            .With("id", id.Value).With("at", Ts(at)), cancellationToken).ConfigureAwait(false) == 1;

    public Task SetDenialReasonAsync(RequestId id, string reason, CancellationToken cancellationToken) =>
        Defer(Statement("UPDATE jitbot.requests SET denial_reason = @reason WHERE id = @id").With("id", id.Value).With("reason", reason), cancellationToken);

    public async Task<bool> TryAddVoteAsync(RequestId id, VoteRecord vote, CancellationToken cancellationToken) =>
        await ExecuteAsync(Statement("""
            INSERT INTO jitbot.approval_votes (request_id, approver_id, approve, counts_for, at) VALUES (@id, @approver, @approve, @counts_for, @at)
            ON CONFLICT (request_id, approver_id) DO NOTHING
            """)
            .With("id", id.Value).With("approver", vote.Vote.ApproverId).With("approve", vote.Vote.Approve)
            .With("counts_for", vote.CountsFor.ToArray()).With("at", Ts(vote.Vote.At)), cancellationToken).ConfigureAwait(false) == 1;

    public Task InsertGrantAsync(GrantRecord grant, CancellationToken cancellationToken) =>
        Defer(Statement("""
            INSERT INTO jitbot.grants (id, request_id, user_id, resource_id, provider_type, access_key, granted_at, expires_at, state, ended_at,
                revoke_attempts, next_revoke_at, last_error, provisioned_at, extensions, warned_for, revoked_by, revoke_reason)
            VALUES (@id, @request, @user, @resource, @provider, @key, @granted_at, @expires_at, @state, @ended_at,
                @attempts, @next_revoke_at, @last_error, @provisioned_at, @extensions, @warned_for, @revoked_by, @revoke_reason)
            """)
            .With("extensions", grant.Extensions)
            .With("warned_for", Ts(grant.WarnedFor))
            .With("revoked_by", Text(grant.RevokedBy))
            .With("revoke_reason", Text(grant.RevokeReason))
            .With("id", grant.Grant.Id.Value)
            .With("request", grant.Grant.RequestId.Value)
            .With("user", grant.Grant.UserId)
            .With("resource", grant.Grant.ResourceId)
            .With("provider", grant.ProviderType)
            .With("key", grant.AccessKey)
            .With("granted_at", Ts(grant.Grant.GrantedAt))
            .With("expires_at", Ts(grant.Grant.ExpiresAt))
            .With("state", grant.Grant.State.ToString())
            .With("ended_at", Ts(grant.Grant.EndedAt))
            .With("attempts", grant.RevokeAttempts)
            .With("next_revoke_at", Ts(grant.NextRevokeAt))
            .With("last_error", Text(grant.LastError))
            .With("provisioned_at", Ts(grant.ProvisionedAt)), cancellationToken);

    public Task<GrantRecord?> FindGrantAsync(GrantId id, CancellationToken cancellationToken) =>
        _session.FindGrantAsync("id", id.Value, cancellationToken);

    public async Task<bool> TryMoveGrantAsync(GrantId id, GrantState expected, GrantState next, DateTimeOffset at, CancellationToken cancellationToken) =>
        (await TryMoveGrantsAsync([id], expected, next, at, cancellationToken).ConfigureAwait(false)).Count == 1;

    public async Task<IReadOnlyList<GrantId>> TryMoveGrantsAsync(IReadOnlyCollection<GrantId> ids, GrantState expected, GrantState next, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return [];
        // The rows are locked in id order, so two transactions moving overlapping sets never wait for each other in a circle.
        var command = Statement("""
            WITH target AS (SELECT id FROM jitbot.grants WHERE id = ANY(@ids) AND state = @expected ORDER BY id COLLATE "C" FOR UPDATE)
            UPDATE jitbot.grants g SET state = @next, ended_at = @at, next_revoke_at = NULL,
                revoke_owner = CASE WHEN @next = 'Active' THEN g.revoke_owner END,
                revoke_lease_until = CASE WHEN @next = 'Active' THEN g.revoke_lease_until END
            FROM target WHERE g.id = target.id AND g.state = @expected
            RETURNING g.id
            """)
            .With("ids", ids.Select(i => i.Value).Distinct().ToArray()).With("expected", expected.ToString()).With("next", next.ToString()).With("at", Ts(at));
        return await _batcher.ListAsync(command, r => new GrantId(r.GetString(0)), cancellationToken).ConfigureAwait(false);
    }

    public Task RecordRevokeFailureAsync(GrantId id, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken) =>
        Defer(Statement("UPDATE jitbot.grants SET revoke_attempts = @attempts, next_revoke_at = @next, last_error = @error WHERE id = @id AND state = 'Active'")
            .With("id", id.Value).With("attempts", attempts).With("next", Ts(nextAttemptAt)).With("error", error), cancellationToken);

    public async Task MarkProvisionedAsync(GrantId id, DateTimeOffset at, AuditEvent audit, NotificationKind notice, CancellationToken cancellationToken)
    {
        var command = Statement("UPDATE jitbot.grants SET provisioned_at = @at WHERE id = @id AND state = 'Active' AND provisioned_at IS NULL RETURNING request_id")
            .With("id", id.Value).With("at", Ts(at));
        var marked = await _batcher.ListAsync(command, r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        if (marked.Count == 0) return;
        await AppendAuditAsync(audit, cancellationToken).ConfigureAwait(false);
        await EnqueueAsync(notice, new RequestId(marked[0]), id, null, at, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<GrantRecord>> ActiveGrantsForKeysAsync(IReadOnlyCollection<string> accessKeys, CancellationToken cancellationToken)
    {
        if (accessKeys.Count == 0) return [];
        var command = Statement($"SELECT {GrantColumns} FROM jitbot.grants WHERE state = 'Active' AND access_key = ANY(@keys) ORDER BY expires_at, id COLLATE \"C\"")
            .With("keys", accessKeys.Distinct(StringComparer.Ordinal).ToArray());
        return await _batcher.ListAsync(command, ToGrant, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TryInsertIncidentAsync(Incident incident, CancellationToken cancellationToken) =>
        // The unique partial index on the channel of incidents not ended decides between racing inserts.
        await ExecuteAsync(Statement($"""
            INSERT INTO jitbot.incidents ({IncidentColumns})
            VALUES (@id, @label, @channel_id, @channel_name, @started_by, @started_at, @ends_at, @state, @ended_at, @ended_by, @end_reason)
            ON CONFLICT DO NOTHING
            """)
            .With("id", incident.Id.Value).With("label", Text(incident.Label)).With("channel_id", incident.ChannelId)
            .With("channel_name", Text(incident.ChannelName)).With("started_by", incident.StartedBy).With("started_at", Ts(incident.StartedAt))
            .With("ends_at", Ts(incident.EndsAt)).With("state", incident.State.ToString()).With("ended_at", Ts(incident.EndedAt))
            .With("ended_by", Text(incident.EndedBy)).With("end_reason", Text(incident.EndReason)), cancellationToken).ConfigureAwait(false) == 1;

    public async Task<bool> TryMoveIncidentAsync(IncidentId id, IncidentState expected, IncidentState next, DateTimeOffset at, string? by, string? reason, CancellationToken cancellationToken) =>
        await ExecuteAsync(Statement("""
            UPDATE jitbot.incidents SET state = @next,
                ended_by = CASE WHEN ended_at IS NULL THEN @by ELSE ended_by END,
                end_reason = CASE WHEN ended_at IS NULL THEN @reason ELSE end_reason END,
                ended_at = COALESCE(ended_at, @at)
            WHERE id = @id AND state = @expected
            """)
            .With("id", id.Value).With("expected", expected.ToString()).With("next", next.ToString())
            .With("at", Ts(at)).With("by", Text(by)).With("reason", Text(reason)), cancellationToken).ConfigureAwait(false) == 1;

    public async Task<IReadOnlyList<GrantId>> CutGrantsShortAsync(IReadOnlyCollection<GrantId> ids, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return [];
        var command = Statement("""
            WITH target AS (SELECT id FROM jitbot.grants WHERE id = ANY(@ids) AND state = 'Active' AND expires_at > @at ORDER BY id COLLATE "C" FOR UPDATE)
            UPDATE jitbot.grants g SET expires_at = @at FROM target WHERE g.id = target.id AND g.state = 'Active' AND g.expires_at > @at
            RETURNING g.id
            """)
            .With("ids", ids.Select(i => i.Value).Distinct().ToArray()).With("at", Ts(at));
        return await _batcher.ListAsync(command, r => new GrantId(r.GetString(0)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TryExtendGrantAsync(GrantId id, DateTimeOffset expectedExpiresAt, DateTimeOffset newExpiresAt, CancellationToken cancellationToken) =>
        await ExecuteAsync(Statement("""
            UPDATE jitbot.grants SET expires_at = @new, extensions = extensions + 1
            WHERE id = @id AND state = 'Active' AND revoked_by IS NULL AND expires_at = @expected
            """)
            .With("id", id.Value).With("expected", Ts(expectedExpiresAt)).With("new", Ts(newExpiresAt)), cancellationToken).ConfigureAwait(false) == 1;

    public async Task<bool> TryMarkRevokedByAsync(GrantId id, string by, string? reason, DateTimeOffset at, CancellationToken cancellationToken) =>
        await ExecuteAsync(Statement("""
            UPDATE jitbot.grants SET revoked_by = @by, revoke_reason = @reason, expires_at = LEAST(expires_at, @at)
            WHERE id = @id AND state = 'Active' AND revoked_by IS NULL
            """)
            .With("id", id.Value).With("by", by).With("reason", Text(reason)).With("at", Ts(at)), cancellationToken).ConfigureAwait(false) == 1;

    public async Task<bool> TryMarkWarnedAsync(GrantId id, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        await ExecuteAsync(Statement("""
            UPDATE jitbot.grants SET warned_for = @end
            WHERE id = @id AND state = 'Active' AND expires_at = @end AND warned_for IS DISTINCT FROM @end
            """)
            .With("id", id.Value).With("end", Ts(expiresAt)), cancellationToken).ConfigureAwait(false) == 1;

    /// <summary>Kept until the commit (<see cref="PostgresNotices"/>), which inserts it in its request's lane.</summary>
    public Task EnqueueAsync(NotificationKind kind, RequestId requestId, GrantId? grantId, string? payload, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _notices.Add(kind, requestId, grantId, payload, at);
        return Task.CompletedTask;
    }

    public Task AppendAuditAsync(AuditEvent auditEvent, CancellationToken cancellationToken) => AppendAuditAsync([auditEvent], cancellationToken);

    /// <summary>Keeps the events until the commit, which writes them.</summary>
    public Task AppendAuditAsync(IReadOnlyList<AuditEvent> auditEvents, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _audit.AddRange(auditEvents);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Sends the deferred writes, the notices and the lock on the audit chain head in one batch (with the read of
    /// the requests whose lanes the notices need, if any; their inserts then wait for the second batch), the audit
    /// events and the new head in a second, then commits. The head is held for the last two round trips only: how
    /// long it is held bounds how many transactions a second all replicas together can commit.
    /// </summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        var unseen = _notices.ReadUnseenRequests();
        var first = unseen is null ? _notices.Inserts() : [unseen];
        if (_audit.Count > 0) first.Add(PostgresAuditChain.LockHead());
        (long, string) head = default;
        await _batcher.SendAsync(first, async results =>
        {
            if (unseen is not null)
                foreach (var request in await results.NextAsync(PostgresNotices.ReadRequest).ConfigureAwait(false)) _notices.Know(request);
            if (_audit.Count > 0) head = (await results.NextAsync(PostgresAuditChain.ReadHead).ConfigureAwait(false)).Single();
        }, cancellationToken).ConfigureAwait(false);
        var second = unseen is null ? [] : _notices.Inserts();
        if (_audit.Count > 0) second.AddRange(PostgresAuditChain.Append(head, _audit));
        await _batcher.SendAsync(second, null, cancellationToken).ConfigureAwait(false);
        await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (_notices.Any) _signal.Notify();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Rolls back unless committed.
            await _transaction.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
            // The connection is gone, and the server rolled the transaction back with it.
        }
        finally
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
