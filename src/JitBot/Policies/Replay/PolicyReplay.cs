using JitBot.Audit;
using JitBot.Incidents;
using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Policies.Replay;

/// <summary>One recorded request the proposed policy decides differently.</summary>
public sealed record ReplayChange(
    string RequestId,
    DateTimeOffset At,
    string RequesterId,
    string? OnBehalfOf,
    string ResourceId,
    TimeSpan? RequestedDuration,
    ReplayOutcome Before,
    ReplayOutcome After);

/// <summary>
/// What a replay found: how many requests it decided again and how many of them change (<see cref="Changes"/> holds
/// the first <c>maxChanges</c> of them, oldest first; the counts are always complete), and why others were skipped
/// or decided under an assumption (reason → count).
/// </summary>
public sealed record ReplayResult(
    string PolicyVersion,
    DateTimeOffset? Since,
    DateTimeOffset? Until,
    long Replayed,
    long Changed,
    IReadOnlyList<ReplayChange> Changes,
    IReadOnlyDictionary<string, long> Skipped,
    IReadOnlyDictionary<string, long> Assumed)
{
    public long SkippedCount => Skipped.Values.Sum();
}

/// <summary>
/// <c>jitbot policy replay</c>: every request recorded in the audit log in a time range, decided again by the proposed
/// policy with the call the bot makes (<see cref="RequestDecider.Decide"/>: the engine, then the cut at the end of the
/// request's incident), as of the moment it was made, for the requester and the Slack groups recorded then, and
/// compared with the decision recorded then (<see cref="ReplayOutcome.DiffersFrom"/>). The log is read from just before
/// the range (<see cref="AuditStart"/>) a page at a time and paired by <see cref="RequestPairing"/>, so memory stays
/// bounded whatever its length, and a short range reads only the log's end.
/// </summary>
public sealed class PolicyReplay(PolicySnapshot policy, IAccessStore store, int maxChanges = PolicyReplay.DefaultMaxChanges)
{
    public const int DefaultMaxChanges = 500;
    const int Page = AuditExport.Page;
    const int IncidentCacheSize = 1000;

    readonly Dictionary<string, Incident?> incidents = new(StringComparer.Ordinal);
    readonly Dictionary<string, long> skipped = new(StringComparer.Ordinal);
    readonly Dictionary<string, long> assumed = new(StringComparer.Ordinal);
    readonly List<ReplayChange> changes = [];
    long replayed, changed;

    /// <summary>Replays the requests made from <paramref name="since"/> (inclusive) until <paramref name="until"/> (exclusive), either open.</summary>
    public async Task<ReplayResult> RunAsync(DateTimeOffset? since, DateTimeOffset? until, CancellationToken ct)
    {
        var pairing = new RequestPairing();
        // Only the log from just before the range: the events before it (most of a long log) are never read.
        var after = await AuditStart.AfterAsync(store, since, ct).ConfigureAwait(false);
        while (true)
        {
            var page = await store.ReadAuditAsync(after, Page, ct).ConfigureAwait(false);
            foreach (var record in page)
                foreach (var pair in pairing.Add(record, (since is null || record.Event.At >= since) && (until is null || record.Event.At < until)))
                    await ReplayAsync(pair, ct).ConfigureAwait(false);
            if (page.Count < Page) break;
            after = page[^1].Seq;
        }
        foreach (var pair in pairing.Flush()) await ReplayAsync(pair, ct).ConfigureAwait(false);
        return new ReplayResult(policy.Version, since, until, replayed, changed, changes, skipped, assumed);
    }

    async Task ReplayAsync(RecordedPair pair, CancellationToken ct)
    {
        var recorded = RecordedRequest.Read(pair.Submitted.Event, out var skip);
        if (recorded is null)
        {
            Count(skipped, skip!);
            return;
        }

        // The stored request, only when the event alone is not enough: a channel-wide grant's member, or a missing decision.
        AccessRequest? stored = null;
        if (recorded.RequesterId is null || pair.Decided is null)
            stored = await store.FindRequestAsync(new RequestId(recorded.RequestId), ct).ConfigureAwait(false);
        var requester = recorded.RequesterId ?? stored?.RequesterId;
        if (requester is null)
        {
            Count(skipped, recorded.OnBehalfOf is null ? ReplaySkips.NoRequestId : ReplaySkips.NoMember);
            return;
        }
        ReplayOutcome? before;
        if (pair.Decided is { } decided)
        {
            before = ReplayOutcome.FromEvent(decided.Event.Data ?? new Dictionary<string, string?>());
            if (before is null)
            {
                Count(skipped, ReplaySkips.BadDecision);
                return;
            }
        }
        else if (stored is not null)
        {
            before = ReplayOutcome.Of(stored.Decision);
            Count(assumed, ReplayAssumptions.DecisionFromStore);
        }
        else
        {
            Count(skipped, ReplaySkips.NoDecision);
            return;
        }

        if (recorded.Groups is null) Count(assumed, ReplayAssumptions.NoGroups);
        var incident = recorded.IncidentId is { } incidentId ? await IncidentAsync(incidentId, ct).ConfigureAwait(false) : null;
        if (recorded.IncidentId is not null && incident is null) Count(assumed, ReplayAssumptions.IncidentGone);

        // The scope as the bot builds it (RequestDecider.ScopeAsync), at the time the request was made.
        var scope = DecisionScope.Of(policy, new Principal(requester, recorded.Groups ?? []), recorded.At, recorded.ChannelId, recorded.ChannelName,
            incident, recorded.IncidentId);
        // Then as the bot carries it out (a channel-wide grant that would need approval is refused, as is a decision it cannot carry out).
        var decision = RequestService.CarryOut(RequestDecider.Decide(scope, recorded.ResourceId, recorded.RequestedDuration, recorded.Reason),
            recorded.OnBehalfOf is not null).Decision;
        var after = ReplayOutcome.Of(decision);

        replayed++;
        if (!before.DiffersFrom(after)) return;
        changed++;
        if (changes.Count < maxChanges)
            changes.Add(new ReplayChange(recorded.RequestId, recorded.At, requester, recorded.OnBehalfOf, recorded.ResourceId,
                recorded.RequestedDuration, before, after));
    }

    async Task<Incident?> IncidentAsync(string id, CancellationToken ct)
    {
        if (incidents.TryGetValue(id, out var known)) return known;
        if (incidents.Count >= IncidentCacheSize) incidents.Clear();
        var found = await store.FindIncidentAsync(new IncidentId(id), ct).ConfigureAwait(false);
        incidents[id] = found;
        return found;
    }

    static void Count(Dictionary<string, long> counts, string reason) => counts[reason] = counts.GetValueOrDefault(reason) + 1;
}
