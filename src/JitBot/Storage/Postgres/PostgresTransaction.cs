using JitBot.Audit;
using JitBot.Incidents;
using JitBot.Requests;
using Npgsql;
using static JitBot.Storage.Postgres.PostgresValues;

namespace JitBot.Storage.Postgres;

/// <summary>
/// A write transaction on one pooled connection (READ COMMITTED). Every state change is an
/// <c>UPDATE … WHERE state = @expected</c>; reading a request locks its row; audit events are kept until the
/// commit, which locks the one-row chain head (<c>jitbot.audit_head</c>), writes them and commits, so appends from
/// every replica form one line. The chain head is always the last lock a transaction takes (rows first), so
/// transactions never wait for each other in a circle, and it is held only while the transaction commits.
/// </summary>
internal sealed class PostgresTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxSignal signal) : IAccessStoreTransaction
{
    readonly PostgresSession _session = new(connection, transaction);
    readonly List<AuditEvent> _audit = [];
    bool _enqueued;

    NpgsqlCommand Command(string sql) => _session.Command(sql);

    async Task<int> ExecuteAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command) return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<AccessRequest?> FindRequestAsync(RequestId id, CancellationToken cancellationToken) =>
        _session.FindRequestAsync(id, lockRow: true, cancellationToken);

    public Task<IReadOnlyList<VoteRecord>> VotesAsync(RequestId id, CancellationToken cancellationToken) =>
        _session.VotesAsync(id, cancellationToken);

    public Task InsertRequestAsync(AccessRequest request, DateTimeOffset? timeoutAt, CancellationToken cancellationToken) =>
        ExecuteAsync(Command("""
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

    public async Task<bool> TryMoveRequestAsync(RequestId id, RequestState expected, RequestState next, DateTimeOffset at, string? decidedBy, CancellationToken cancellationToken) =>
        await ExecuteAsync(Command("""
            UPDATE jitbot.requests SET state = @next, decided_at = COALESCE(decided_at, @at), decided_by = COALESCE(decided_by, @by)
            WHERE id = @id AND state = @expected
            """)
            .With("id", id.Value).With("expected", expected.ToString()).With("next", next.ToString())
            .With("at", Ts(at)).With("by", Text(decidedBy)), cancellationToken).ConfigureAwait(false) == 1;

    public async Task<bool> TryMarkApprovalStepAsync(RequestId id, ApprovalStep step, DateTimeOffset at, CancellationToken cancellationToken) =>
        await ExecuteAsync(Command(step == ApprovalStep.Remind
                ? "UPDATE jitbot.requests SET reminded_at = @at WHERE id = @id AND state = 'Pending' AND reminded_at IS NULL"
                : "UPDATE jitbot.requests SET escalated_at = @at WHERE id = @id AND state = 'Pending' AND escalated_at IS NULL")
            .With("id", id.Value).With("at", Ts(at)), cancellationToken).ConfigureAwait(false) == 1;

    public Task SetDenialReasonAsync(RequestId id, string reason, CancellationToken cancellationToken) =>
        ExecuteAsync(Command("UPDATE jitbot.requests SET denial_reason = @reason WHERE id = @id").With("id", id.Value).With("reason", reason), cancellationToken);

    public async Task<bool> TryAddVoteAsync(RequestId id, VoteRecord vote, CancellationToken cancellationToken) =>
        await ExecuteAsync(Command("""
            INSERT INTO jitbot.approval_votes (request_id, approver_id, approve, counts_for, at) VALUES (@id, @approver, @approve, @counts_for, @at)
            ON CONFLICT (request_id, approver_id) DO NOTHING
            """)
            .With("id", id.Value).With("approver", vote.Vote.ApproverId).With("approve", vote.Vote.Approve)
            .With("counts_for", vote.CountsFor.ToArray()).With("at", Ts(vote.Vote.At)), cancellationToken).ConfigureAwait(false) == 1;

    public Task InsertGrantAsync(GrantRecord grant, CancellationToken cancellationToken) =>
        ExecuteAsync(Command("""
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
        await using var command = Command("""
            WITH target AS (SELECT id FROM jitbot.grants WHERE id = ANY(@ids) AND state = @expected ORDER BY id COLLATE "C" FOR UPDATE)
            UPDATE jitbot.grants g SET state = @next, ended_at = @at, next_revoke_at = NULL,
                revoke_owner = CASE WHEN @next = 'Active' THEN g.revoke_owner END,
                revoke_lease_until = CASE WHEN @next = 'Active' THEN g.revoke_lease_until END
            FROM target WHERE g.id = target.id AND g.state = @expected
            RETURNING g.id
            """)
            .With("ids", ids.Select(i => i.Value).Distinct().ToArray()).With("expected", expected.ToString()).With("next", next.ToString()).With("at", Ts(at));
        return await command.ListAsync(r => new GrantId(r.GetString(0)), cancellationToken).ConfigureAwait(false);
    }

    public Task RecordRevokeFailureAsync(GrantId id, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken) =>
        ExecuteAsync(Command("UPDATE jitbot.grants SET revoke_attempts = @attempts, next_revoke_at = @next, last_error = @error WHERE id = @id AND state = 'Active'")
            .With("id", id.Value).With("attempts", attempts).With("next", Ts(nextAttemptAt)).With("error", error), cancellationToken);

    public async Task MarkProvisionedAsync(GrantId id, DateTimeOffset at, AuditEvent audit, NotificationKind notice, CancellationToken cancellationToken)
    {
        await using var command = Command("UPDATE jitbot.grants SET provisioned_at = @at WHERE id = @id AND state = 'Active' AND provisioned_at IS NULL RETURNING request_id")
            .With("id", id.Value).With("at", Ts(at));
        var marked = await command.ListAsync(r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        if (marked.Count == 0) return;
        await AppendAuditAsync(audit, cancellationToken).ConfigureAwait(false);
        await EnqueueAsync(notice, new RequestId(marked[0]), id, null, at, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<GrantRecord>> ActiveGrantsForKeysAsync(IReadOnlyCollection<string> accessKeys, CancellationToken cancellationToken)
    {
        if (accessKeys.Count == 0) return [];
        await using var command = Command($"SELECT {GrantColumns} FROM jitbot.grants WHERE state = 'Active' AND access_key = ANY(@keys) ORDER BY expires_at, id COLLATE \"C\"")
            .With("keys", accessKeys.Distinct(StringComparer.Ordinal).ToArray());
        return await command.ListAsync(ToGrant, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TryInsertIncidentAsync(Incident incident, CancellationToken cancellationToken) =>
        // The unique partial index on the channel of incidents not ended decides between racing inserts.
        await ExecuteAsync(Command($"""
            INSERT INTO jitbot.incidents ({IncidentColumns})
            VALUES (@id, @label, @channel_id, @channel_name, @started_by, @started_at, @ends_at, @state, @ended_at, @ended_by, @end_reason)
            ON CONFLICT DO NOTHING
            """)
            .With("id", incident.Id.Value).With("label", Text(incident.Label)).With("channel_id", incident.ChannelId)
            .With("channel_name", Text(incident.ChannelName)).With("started_by", incident.StartedBy).With("started_at", Ts(incident.StartedAt))
            .With("ends_at", Ts(incident.EndsAt)).With("state", incident.State.ToString()).With("ended_at", Ts(incident.EndedAt))
            .With("ended_by", Text(incident.EndedBy)).With("end_reason", Text(incident.EndReason)), cancellationToken).ConfigureAwait(false) == 1;

    public async Task<bool> TryMoveIncidentAsync(IncidentId id, IncidentState expected, IncidentState next, DateTimeOffset at, string? by, string? reason, CancellationToken cancellationToken) =>
        await ExecuteAsync(Command("""
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
        await using var command = Command("""
            WITH target AS (SELECT id FROM jitbot.grants WHERE id = ANY(@ids) AND state = 'Active' AND expires_at > @at ORDER BY id COLLATE "C" FOR UPDATE)
            UPDATE jitbot.grants g SET expires_at = @at FROM target WHERE g.id = target.id AND g.state = 'Active' AND g.expires_at > @at
            RETURNING g.id
            """)
            .With("ids", ids.Select(i => i.Value).Distinct().ToArray()).With("at", Ts(at));
        return await command.ListAsync(r => new GrantId(r.GetString(0)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TryExtendGrantAsync(GrantId id, DateTimeOffset expectedExpiresAt, DateTimeOffset newExpiresAt, CancellationToken cancellationToken) =>
        await ExecuteAsync(Command("""
            UPDATE jitbot.grants SET expires_at = @new, extensions = extensions + 1
            WHERE id = @id AND state = 'Active' AND revoked_by IS NULL AND expires_at = @expected
            """)
            .With("id", id.Value).With("expected", Ts(expectedExpiresAt)).With("new", Ts(newExpiresAt)), cancellationToken).ConfigureAwait(false) == 1;

    public async Task<bool> TryMarkRevokedByAsync(GrantId id, string by, string? reason, DateTimeOffset at, CancellationToken cancellationToken) =>
        await ExecuteAsync(Command("""
            UPDATE jitbot.grants SET revoked_by = @by, revoke_reason = @reason, expires_at = LEAST(expires_at, @at)
            WHERE id = @id AND state = 'Active' AND revoked_by IS NULL
            """)
            .With("id", id.Value).With("by", by).With("reason", Text(reason)).With("at", Ts(at)), cancellationToken).ConfigureAwait(false) == 1;

    public async Task<bool> TryMarkWarnedAsync(GrantId id, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        await ExecuteAsync(Command("""
            UPDATE jitbot.grants SET warned_for = @end
            WHERE id = @id AND state = 'Active' AND expires_at = @end AND warned_for IS DISTINCT FROM @end
            """)
            .With("id", id.Value).With("end", Ts(expiresAt)), cancellationToken).ConfigureAwait(false) == 1;

    public async Task EnqueueAsync(NotificationKind kind, RequestId requestId, GrantId? grantId, string? payload, DateTimeOffset at, CancellationToken cancellationToken)
    {
        // The request is read, not locked: its requester and approval channel never change once it is stored.
        var lane = NoticeLanes.For(requestId, await _session.FindRequestAsync(requestId, lockRow: false, cancellationToken).ConfigureAwait(false));
        await ExecuteAsync(OutboxInsert(Command, kind, requestId, grantId, payload, at, lane), cancellationToken).ConfigureAwait(false);
        _enqueued = true;
    }

    public Task AppendAuditAsync(AuditEvent auditEvent, CancellationToken cancellationToken) => AppendAuditAsync([auditEvent], cancellationToken);

    /// <summary>Keeps the events until the commit, which writes them (<see cref="WriteAuditAsync"/>).</summary>
    public Task AppendAuditAsync(IReadOnlyList<AuditEvent> auditEvents, CancellationToken cancellationToken)
    {
        _audit.AddRange(auditEvents);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Writes the transaction's audit events just before it commits: the chain head is locked (<c>FOR UPDATE</c>,
    /// until the commit, so no writer in any replica appends in between), then every event and the new head go
    /// in one round trip. The head is held for those two round trips and the commit, not for the whole
    /// transaction: the chain is the one lock every writer shares, so how long it is held bounds how many
    /// transactions a second all replicas together can commit.
    /// </summary>
    async Task WriteAuditAsync(CancellationToken cancellationToken)
    {
        await using var read = Command("SELECT seq, hash FROM jitbot.audit_head WHERE id = 1 FOR UPDATE");
        var head = (await read.ListAsync(r => (r.GetInt64(0), r.GetString(1)), cancellationToken).ConfigureAwait(false)).Single();
        var (seq, previous) = head.Item1 == 0 ? (0, AuditChain.Genesis) : head;
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var auditEvent in _audit)
        {
            seq++;
            var stored = auditEvent with { At = Ts(auditEvent.At) };
            var record = new AuditRecord(seq, stored, previous, AuditChain.Hash(previous, seq, stored));
            batch.BatchCommands.Add(BatchCommand($"INSERT INTO jitbot.audit_events ({AuditColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                seq, stored.Kind, stored.At, stored.Actor, Text(stored.RequestId), Text(stored.GrantId), AuditDataJson.Serialize(stored.Data), previous, record.Hash));
            previous = record.Hash;
        }
        batch.BatchCommands.Add(BatchCommand("UPDATE jitbot.audit_head SET seq = $1, hash = $2 WHERE id = 1", seq, previous));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _audit.Clear();
    }

    static NpgsqlBatchCommand BatchCommand(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_audit.Count > 0) await WriteAuditAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (_enqueued) signal.Notify();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Rolls back unless committed.
            await transaction.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
            // The connection is gone, and the server rolled the transaction back with it.
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
