using JitBot.Requests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JitBot.Grants;

/// <summary>
/// Runs every revocation of this process — Quartz's triggers and the sweep — through <see cref="GrantRevoker"/>'s
/// three steps, many grants at a time:
/// <list type="number">
/// <item>grants asked for while a batch is being prepared wait and are prepared together in the next one (leased in
///   one statement, the ledger in one query, their requests in one query): no timer, so a lone grant starts at once
///   and batches grow only when grants arrive faster than they are prepared;</item>
/// <item>each grant's provider is called on its own, side by side, so a slow or failing provider holds up only its
///   own grant; at most <see cref="GrantsOptions.RevokeConcurrency"/> grants are under way at once;</item>
/// <item>answered grants are ended together in one transaction (audit events and notices included) by one finisher,
///   which takes whatever answers have arrived since its last transaction.</item>
/// </list>
/// A grant asked for again while it is waiting or under way (its trigger and the sweep at once) joins the attempt
/// under way instead of starting another; across processes the grant's revocation lease keeps attempts apart.
/// </summary>
public sealed class RevocationBatcher(GrantRevoker revoker, IOptions<GrantsOptions> options, ILogger<RevocationBatcher> logger)
{
    /// <summary>The most grants prepared, or ended, in one go.</summary>
    public const int MaxBatch = 200;

    readonly Lock _gate = new();
    readonly Dictionary<GrantId, TaskCompletionSource<RevokeResult>> _calls = [];
    readonly Queue<GrantId> _waiting = new();
    readonly List<(RevokeOutcome Outcome, TaskCompletionSource<RevokeResult> Call)> _answered = [];
    int _underWay;
    bool _preparing;
    bool _finishing;

    /// <summary>
    /// <see cref="GrantsOptions.RevokeConcurrency"/>; its range (1 to 1,000) is enforced in one place, at start-up
    /// (<see cref="Hosting.GrantsOptionsValidator"/>).
    /// </summary>
    int Concurrency => options.Value.RevokeConcurrency;

    /// <summary>Revokes the grant (or joins the attempt under way for it) and returns what happened.</summary>
    public Task<RevokeResult> RevokeAsync(GrantId id, CancellationToken cancellationToken)
    {
        Task<RevokeResult> task;
        lock (_gate)
        {
            if (_calls.TryGetValue(id, out var existing)) task = existing.Task;
            else
            {
                var call = new TaskCompletionSource<RevokeResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                _calls[id] = call;
                _waiting.Enqueue(id);
                task = call.Task;
                StartPreparing();
            }
        }
        // The caller may stop waiting; the revocation itself goes on (committed work is finished).
        return task.WaitAsync(cancellationToken);
    }

    /// <summary>Grants waiting or under way in this process (for tests and diagnostics).</summary>
    public int Pending
    {
        get { lock (_gate) return _calls.Count; }
    }

    void StartPreparing()
    {
        if (_preparing || _waiting.Count == 0 || _underWay >= Concurrency) return;
        _preparing = true;
        _ = Task.Run(PrepareLoopAsync);
    }

    async Task PrepareLoopAsync()
    {
        while (true)
        {
            var batch = new List<(GrantId Id, TaskCompletionSource<RevokeResult> Call)>();
            lock (_gate)
            {
                var room = Math.Min(MaxBatch, Concurrency - _underWay);
                while (batch.Count < room && _waiting.TryDequeue(out var id)) batch.Add((id, _calls[id]));
                if (batch.Count == 0)
                {
                    _preparing = false;
                    return;
                }
                _underWay += batch.Count;
            }
            try
            {
                var prepared = await revoker.PrepareAsync(batch.Select(b => b.Id).ToList(), CancellationToken.None).ConfigureAwait(false);
                var calls = batch.ToDictionary(b => b.Id, b => b.Call);
                foreach (var (id, result) in prepared.Settled) Complete(id, calls[id], result, null);
                foreach (var revocation in prepared.ToRevoke)
                {
                    var call = calls[revocation.Record.Grant.Id];
                    _ = Task.Run(() => CallProviderAsync(revocation, call));
                }
            }
            catch (Exception e)
            {
                logger.LogError(e, "Preparing {Count} revocations failed; their triggers or the next sweep try again", batch.Count);
                foreach (var (id, call) in batch) Complete(id, call, null, e);
            }
        }
    }

    async Task CallProviderAsync(Revocation revocation, TaskCompletionSource<RevokeResult> call)
    {
        RevokeOutcome outcome;
        try
        {
            outcome = await revoker.CallProviderAsync(revocation, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            outcome = new(revocation, $"{e.GetType().Name}: {e.Message}", true);
        }
        lock (_gate)
        {
            _answered.Add((outcome, call));
            if (_finishing) return;
            _finishing = true;
        }
        _ = Task.Run(FinishLoopAsync);
    }

    async Task FinishLoopAsync()
    {
        while (true)
        {
            List<(RevokeOutcome Outcome, TaskCompletionSource<RevokeResult> Call)> group;
            lock (_gate)
            {
                if (_answered.Count == 0)
                {
                    _finishing = false;
                    return;
                }
                group = _answered.Take(MaxBatch).ToList();
                _answered.RemoveRange(0, group.Count);
            }
            Exception? failure = null;
            try
            {
                var results = await revoker.FinishAsync(group.Select(g => g.Outcome).ToList(), CancellationToken.None).ConfigureAwait(false);
                var calls = group.ToDictionary(g => g.Outcome.Revocation.Record.Grant.Id, g => g.Call);
                foreach (var (id, result) in results) Complete(id, calls[id], result, null);
            }
            catch (Exception e)
            {
                failure = e;
                logger.LogError(e, "Ending {Count} revoked grants failed; their leases run out and their triggers or the next sweep try again", group.Count);
            }
            // Whatever the finisher could not settle fails, so no caller waits for ever.
            foreach (var (outcome, call) in group)
                Complete(outcome.Revocation.Record.Grant.Id, call, null, failure ?? new InvalidOperationException($"Grant {outcome.Revocation.Record.Grant.Id} was not settled."));
        }
    }

    void Complete(GrantId id, TaskCompletionSource<RevokeResult> call, RevokeResult? result, Exception? error)
    {
        lock (_gate)
        {
            var done = result is { } r ? call.TrySetResult(r) : call.TrySetException(error!);
            if (!done) return;
            if (_calls.TryGetValue(id, out var current) && current == call) _calls.Remove(id);
            _underWay--;
            StartPreparing();
        }
    }
}
