using Npgsql;
using static JitBot.Storage.Postgres.PostgresValues;

namespace JitBot.Storage.Postgres;

/// <summary>Notices sent together (<see cref="IOutboxGroupStore"/>) on PostgreSQL.</summary>
public sealed partial class PostgresAccessStore
{
    public async Task<IReadOnlyList<OutboxMessage>> ClaimFollowingAsync(OutboxMessage head, string owner, DateTimeOffset now, TimeSpan lease, int max,
        CancellationToken cancellationToken)
    {
        if (max <= 0) return [];
        // The head is locked while its claim is checked, so it cannot be marked or taken over meanwhile. Behind it,
        // the lane's next notices in order (the index on lane and id, at most @max rows); each fits when it is of the
        // head's kind, due, and not held by an older notice of its request in another lane. The run ends at the
        // first that does not fit: bool_and over the rows so far. Those behind a head are claimed by nobody else
        // (a claim takes lane heads only), so they need no SKIP LOCKED.
        var claimed = await ListAsync(Command($"""
            WITH head AS (
                SELECT id, lane, kind FROM jitbot.outbox
                WHERE id = @head AND delivered_at IS NULL AND claimed_by = @owner AND lease_until > @now
                FOR UPDATE),
            behind AS (
                SELECT o.id, (o.kind = h.kind AND COALESCE(o.lease_until, o.next_attempt_at) <= @now
                    AND NOT EXISTS (SELECT 1 FROM jitbot.outbox p
                                    WHERE p.request_id = o.request_id AND p.delivered_at IS NULL AND p.id < o.id AND p.lane <> o.lane)) AS fits
                FROM head h JOIN jitbot.outbox o ON o.lane = h.lane AND o.delivered_at IS NULL AND o.id > h.id
                ORDER BY o.id
                LIMIT @max),
            run AS (
                SELECT id, bool_and(fits) OVER (ORDER BY id) AS unbroken FROM behind)
            UPDATE jitbot.outbox SET claimed_by = @owner, lease_until = @until
            FROM run WHERE jitbot.outbox.id = run.id AND run.unbroken
            RETURNING {string.Join(", ", OutboxColumns.Split(", ").Select(c => "jitbot.outbox." + c))}
            """).With("head", head.Id).With("owner", owner).With("now", Ts(now)).With("max", max).With("until", Ts(now + lease)),
            ToOutbox, cancellationToken).ConfigureAwait(false);
        return claimed.OrderBy(m => m.Id).ToList();
    }

    /// <summary>Several message references in one statement (<see cref="Requests.IMessageRefStore.SaveAllAsync"/>); each set once.</summary>
    public async Task SaveAllAsync(IReadOnlyList<Requests.MessageRef> references, CancellationToken cancellationToken)
    {
        if (references.Count == 0) return;
        await ExecuteAsync(Command("""
            INSERT INTO jitbot.message_refs (request_id, kind, channel, ts)
            SELECT * FROM unnest(@requests::text[], @kinds::text[], @channels::text[], @tss::text[])
            ON CONFLICT (request_id, kind) DO NOTHING
            """).With("requests", references.Select(r => r.RequestId.Value).ToArray()).With("kinds", references.Select(r => r.Kind).ToArray())
            .With("channels", references.Select(r => r.Channel).ToArray()).With("tss", references.Select(r => r.Ts).ToArray()), cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> MarkAllDeliveredAsync(IReadOnlyList<long> outboxIds, string owner, DateTimeOffset at, CancellationToken cancellationToken) =>
        outboxIds.Count == 0 ? 0 : await ExecuteAsync(Command("""
            UPDATE jitbot.outbox SET delivered_at = @at, attempts = attempts + 1, last_error = NULL, claimed_by = NULL, lease_until = NULL
            WHERE id = ANY(@ids) AND delivered_at IS NULL AND claimed_by = @owner
            """).With("ids", outboxIds.ToArray()).With("owner", owner).With("at", Ts(at)), cancellationToken).ConfigureAwait(false);

    public async Task<int> MarkAllFailedAsync(IReadOnlyList<(long Id, int Attempts)> notices, string owner, DateTimeOffset nextAttemptAt, string error,
        CancellationToken cancellationToken) =>
        notices.Count == 0 ? 0 : await ExecuteAsync(Command("""
            UPDATE jitbot.outbox SET attempts = given.attempts, next_attempt_at = @next, last_error = @error, claimed_by = NULL, lease_until = NULL
            FROM unnest(@ids, @attempts) AS given(id, attempts)
            WHERE jitbot.outbox.id = given.id AND jitbot.outbox.delivered_at IS NULL AND jitbot.outbox.claimed_by = @owner
            """).With("ids", notices.Select(n => n.Id).ToArray()).With("attempts", notices.Select(n => n.Attempts).ToArray())
            .With("owner", owner).With("next", Ts(nextAttemptAt)).With("error", error), cancellationToken).ConfigureAwait(false);
}
