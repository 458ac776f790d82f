using System.Collections.Concurrent;
using LiteDB;

namespace JitBot.Storage.LiteDb;

/// <summary>
/// Runs every LiteDB write on one dedicated thread. LiteDB's explicit transactions belong to the OS thread
/// that began them (after an <c>await</c> on a pool thread, <c>Commit()</c> could act on another task's
/// transaction), so no transaction here ever spans an <c>await</c> on a pool thread: a transaction is a
/// <see cref="Session"/>, begun on the writer thread, which then runs that session's operations one by one,
/// on itself, until the session commits or rolls back, and only then takes the next session. Callers stay
/// asynchronous: they post work and await its result, and their continuations never run on the writer thread.
/// <para>
/// Transactions whose every step and commit were posted before the writer took them up (a write of its own, or a
/// <see cref="LiteDbTransaction"/> that posts its writes with its commit) and that are queued together share one
/// LiteDB commit, up to <see cref="MaxGroup"/> of them: one after the other, in queue order, inside one LiteDB
/// transaction, so each sees the ones before it, and all are on disk or none. Pages that several of them change
/// (a collection's last data page, index pages, the header) are written to the log once instead of once each, and
/// LiteDB's checkpoints come that much less often. A step that fails undoes the whole group, and then each of its
/// transactions runs alone, so only the failing one fails; callers hear their results only once their commit is
/// decided.
/// </para>
/// </summary>
internal sealed partial class LiteDbWriter : IDisposable
{
    /// <summary>A session that posts nothing for this long is rolled back, so a forgotten transaction cannot stop every writer.</summary>
    public static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(30);

    readonly LiteDatabase _db;
    readonly Action<bool, TaskCompletionSource<object?>> _afterCommit;
    readonly TimeProvider _idleClock;
    readonly BlockingCollection<Session> _queue = new();
    readonly BlockingCollection<Session> _background = new();
    readonly BlockingCollection<Session>[] _byPriority;
    readonly int _maxGroup;
    readonly Action<bool>? _between;
    readonly Thread _thread;

    /// <summary>At most this many transactions share one LiteDB commit.</summary>
    public const int MaxGroup = 32;

    /// <param name="afterCommit">
    /// Called on the writer thread after each commit, with whether the commit must be durable and what its caller
    /// waits on: complete that at once, or once the commit is on disk (<see cref="LiteDbFlusher"/>). The writer
    /// does not wait for it: it goes on to the next transaction while a durable commit's log is forced to disk.
    /// </param>
    /// <param name="idleClock">Measures <see cref="IdleLimit"/>: real time, whatever clock the lifecycle runs on.</param>
    /// <param name="maxGroup">How many queued transactions may share one commit; 1 commits each on its own.</param>
    /// <param name="between">
    /// Run on the writer thread between transactions, with whether nothing is queued (<see cref="LiteDbCheckpoints"/>).
    /// </param>
    public LiteDbWriter(LiteDatabase db, Action<bool, TaskCompletionSource<object?>> afterCommit, TimeProvider idleClock, int maxGroup = MaxGroup,
        Action<bool>? between = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGroup, 1);
        _db = db;
        _afterCommit = afterCommit;
        _idleClock = idleClock;
        _maxGroup = maxGroup;
        _between = between;
        _byPriority = [_queue, _background];
        _thread = new Thread(Run) { IsBackground = true, Name = "JitBot LiteDB writer" };
        _thread.Start();
    }

    /// <summary>
    /// A transaction that is queued only when its first step (or its commit) is posted, together with that step: the
    /// writer thread begins it and runs the step in one go, instead of beginning it and then waiting for the caller
    /// to come back with the step. A transaction ended before any step was posted never reaches the writer.
    /// </summary>
    public Session Begin(bool durable)
    {
        var session = new Session(durable);
        session.QueueOnFirstPost = () => QueueAsync(session, background: false, CancellationToken.None);
        return session;
    }

    Task<Session> QueueAsync(Session session, bool background, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (cancellationToken.CanBeCanceled)
            session.CancelRegistration = cancellationToken.Register(() => session.Started.TrySetCanceled(cancellationToken));
        try
        {
            (background ? _background : _queue).Add(session, CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(LiteDbWriter), "The store is closed.");
        }
        return session.Started.Task;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction of its own and commits it. The work and the commit are posted
    /// before the session is queued, so the writer thread begins, works and commits in one go, without waiting
    /// for the caller between the steps: a single write holds the writer only for as long as it works.
    /// A <paramref name="background"/> write (the outbox's claims and marks, message refs) waits while other
    /// transactions are queued (letting one through after <see cref="OrdinaryBeforeBackground"/> of them), so
    /// sending notices does not hold up a request, a click or a revocation.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<LiteDatabase, T> work, bool durable, CancellationToken cancellationToken, bool background = false)
    {
        var session = new Session(durable);
        var (result, committed) = session.RunAndCommit(work);
        // A failed step fails the commit too; the step's own error is the one the caller hears.
        _ = committed.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        await QueueAsync(session, background, cancellationToken).ConfigureAwait(false);
        try
        {
            var value = await result.ConfigureAwait(false);
            await committed.ConfigureAwait(false);
            return value;
        }
        finally
        {
            await session.EndAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// How many ordinary transactions in a row may go ahead of a waiting background write. A background write is a
    /// single step that holds the writer for well under a millisecond, so letting one through now and then costs a
    /// request nothing it would notice, and keeps notices moving while requests never stop coming.
    /// </summary>
    public const int OrdinaryBeforeBackground = 8;

    int _ordinaryInARow;

    /// <summary>
    /// The next session: the oldest of the ordinary queue, else the oldest background one — except that a waiting
    /// background write goes after <see cref="OrdinaryBeforeBackground"/> ordinary ones in a row; null once closed.
    /// </summary>
    Session? Next()
    {
        try
        {
            if (_ordinaryInARow >= OrdinaryBeforeBackground && _background.TryTake(out var due))
            {
                _ordinaryInARow = 0;
                return due;
            }
            var from = BlockingCollection<Session>.TakeFromAny(_byPriority, out var session);
            _ordinaryInARow = from == 0 ? _ordinaryInARow + 1 : 0;
            return session;
        }
        catch (ArgumentException)
        {
            return null; // both queues are closed and empty
        }
    }

    /// <summary>
    /// How many transactions have been rolled back since the writer started (read on the writer thread): what a
    /// transaction wrote and was remembered outside LiteDB is still there only while this has not changed.
    /// </summary>
    public long Rollbacks { get; private set; }

    void Rollback()
    {
        Rollbacks++;
        _db.Rollback();
    }

    /// <summary>The session <see cref="Next"/> would give, if one is queued now; null otherwise. Never waits.</summary>
    Session? NextIfQueued()
    {
        if (_ordinaryInARow >= OrdinaryBeforeBackground && _background.TryTake(out var due))
        {
            _ordinaryInARow = 0;
            return due;
        }
        if (_queue.TryTake(out var ordinary))
        {
            _ordinaryInARow++;
            return ordinary;
        }
        if (!_background.TryTake(out var background)) return null;
        _ordinaryInARow = 0;
        return background;
    }

    void Run()
    {
        Session? held = null; // taken while gathering a group, but not one to group: it runs next
        while (true)
        {
            if (held is null && _queue.Count == 0 && _background.Count == 0) Between(idle: true);
            if ((held ?? Next()) is not { } session) break;
            held = null;
            session.CancelRegistration.Dispose();
            if (session.Started.Task.IsCompleted) continue; // cancelled while it waited
            if (session.Complete && _maxGroup > 1) held = RunGroup(session);
            else RunAlone(session);
            Between(idle: false);
        }
    }

    /// <summary>Between transactions, on the writer thread: the <c>between</c> work (checkpoints), which may fail without stopping the writer.</summary>
    void Between(bool idle)
    {
        try
        {
            _between?.Invoke(idle);
        }
        catch (Exception)
        {
            // A checkpoint that fails is tried again later; LiteDB keeps every commit in its log until one succeeds.
        }
    }

    /// <summary>Runs one session in a LiteDB transaction of its own.</summary>
    void RunAlone(Session session, bool started = false)
    {
        try
        {
            _db.BeginTrans();
        }
        catch (Exception e)
        {
            if (!session.Started.TrySetException(e)) session.Close(e);
            return;
        }
        // The idle clock is armed before the caller hears of anything, so its limit counts from the caller's turn.
        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _idleClock);
        idle.CancelAfter(IdleLimit);
        if (!started && !session.Started.TrySetResult(session))
        {
            Rollback();
            return;
        }
        try
        {
            RunSession(session, idle);
        }
        catch (Exception e)
        {
            // The writer thread outlives any one session: whatever broke, this one ends and the next begins.
            try { Rollback(); } catch (Exception) { }
            session.Close(e);
        }
    }

    /// <summary>
    /// Runs <paramref name="first"/> and, one after the other, the sessions queued behind it whose steps and commit are
    /// all posted (up to <see cref="MaxGroup"/>, taken in <see cref="Next"/>'s order as each one before is done, so a
    /// transaction queued while the group runs joins it), in one LiteDB transaction, and commits once. Results are
    /// handed over only after the commit; if a step fails, the group is rolled back and each session runs alone.
    /// Returns a session taken from the queue that cannot join a group: it runs next.
    /// </summary>
    Session? RunGroup(Session first)
    {
        try
        {
            _db.BeginTrans();
        }
        catch (Exception e)
        {
            first.Started.TrySetException(e);
            return null;
        }
        var members = new List<(Session Session, List<Operation> Steps)>();
        var publish = new List<Action>();
        Exception? failed = null;
        Session? held = null;
        var candidate = first;
        while (candidate is not null)
        {
            if (candidate.Started.TrySetResult(candidate))
            {
                var steps = new List<Operation>();
                while (candidate.Operations.TryTake(out var step)) steps.Add(step);
                members.Add((candidate, steps));
                failed = Execute(steps, publish);
                if (failed is not null) break;
            }
            candidate = null;
            if (members.Count >= _maxGroup) break;
            while (NextIfQueued() is { } more)
            {
                more.CancelRegistration.Dispose();
                if (more.Started.Task.IsCompleted) continue; // cancelled while it waited
                if (more.Complete) candidate = more;
                else held = more;
                break;
            }
        }
        if (failed is not null)
        {
            // Undo the group; then each session alone, in the same order, so only the one whose step fails fails.
            try { Rollback(); } catch (Exception) { }
            foreach (var (session, steps) in members)
            {
                foreach (var step in steps) session.Operations.Add(step);
                RunAlone(session, started: true);
            }
            return held;
        }
        Exception? commitFailed = null;
        try
        {
            if (!_db.Commit()) throw new InvalidOperationException("LiteDB had no transaction to commit on the writer thread.");
        }
        catch (Exception e)
        {
            try { Rollback(); } catch (Exception) { }
            commitFailed = e;
        }
        foreach (var hand in publish) hand();
        foreach (var (session, steps) in members)
        {
            var commit = steps[^1];
            if (commitFailed is not null) commit.Done.TrySetException(commitFailed);
            else
            {
                try
                {
                    _afterCommit(session.Durable, commit.Done);
                }
                catch (Exception e)
                {
                    commit.Done.TrySetException(e);
                }
            }
            session.Close(null);
        }
        return held;
    }

    /// <summary>Runs the work among <paramref name="steps"/>, keeping how to hand over each result; the first step's error, if one fails.</summary>
    Exception? Execute(List<Operation> steps, List<Action> publish)
    {
        foreach (var step in steps)
        {
            if (step.Kind != OperationKind.Work) continue;
            try
            {
                var (hand, error) = step.Execute(_db);
                if (error is not null) return error;
                publish.Add(hand);
            }
            catch (Exception e)
            {
                return e;
            }
        }
        return null;
    }

    void RunSession(Session session, CancellationTokenSource idle)
    {
        while (true)
        {
            Operation operation;
            try
            {
                operation = session.Operations.Take(idle.Token);
            }
            catch (OperationCanceledException)
            {
                Rollback();
                session.Close(new InvalidOperationException(
                    $"The store transaction was rolled back because it did nothing for {IdleLimit.TotalSeconds:0} seconds."));
                return;
            }
            switch (operation.Kind)
            {
                case OperationKind.Work:
                    var (publish, error) = operation.Execute(_db);
                    if (error is not null)
                    {
                        // LiteDB may already have dropped the transaction; later steps must not run outside it.
                        Rollback();
                        session.Close(new InvalidOperationException($"The store transaction was rolled back because a step failed: {error.Message}", error));
                        publish();
                        return;
                    }
                    idle.CancelAfter(IdleLimit);
                    publish();
                    break;
                case OperationKind.Commit:
                    try
                    {
                        if (!_db.Commit()) throw new InvalidOperationException("LiteDB had no transaction to commit on the writer thread.");
                        // The caller hears "committed" when this says so: for a durable commit, after an fsync that
                        // begins after this point, on the flusher's thread; this thread goes on at once.
                        _afterCommit(session.Durable, operation.Done);
                    }
                    catch (Exception e)
                    {
                        try { Rollback(); } catch (Exception) { }
                        operation.Done.TrySetException(e);
                    }
                    session.Close(null);
                    return;
                default:
                    try
                    {
                        Rollback();
                        operation.Done.TrySetResult(null);
                    }
                    catch (Exception e)
                    {
                        operation.Done.TrySetException(e);
                    }
                    session.Close(null);
                    return;
            }
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _background.CompleteAdding();
        if (Thread.CurrentThread != _thread) _thread.Join();
        _queue.Dispose();
        _background.Dispose();
    }
}
