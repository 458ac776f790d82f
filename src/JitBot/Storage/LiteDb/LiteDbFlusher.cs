namespace JitBot.Storage.LiteDb;

/// <summary>
/// Forces LiteDB's log to disk beside the writer thread, so that a durable commit does not hold the one writer
/// during its <c>fsync</c>. Callers ask "make everything committed so far durable" and are told when it is; the
/// flusher's own thread takes every request queued so far, runs one flush for them all, tells them, and goes on
/// while there are requests. A request that arrives during a flush waits for the next one, since the flush under
/// way may have begun before the caller's commit: whoever is told "durable" is told so by a flush that began after
/// they asked. A flush that fails fails the requests it was for, and only those.
/// <para>
/// Flushing the log while the writer goes on committing is safe with LiteDB's checkpoints (which run on the writer
/// thread, between transactions (<see cref="LiteDbCheckpoints"/>), and move the log into the data file): LiteDB 5.0.21 writes each commit's pages into
/// the log before <c>Commit</c> returns, and its checkpoint writes the confirmed log pages into the data file,
/// forces the data file to disk and only then empties the log (<c>WalIndexService.CheckpointInternal</c>:
/// <c>DiskService.WriteDataDisk</c> ends with <c>FlushToDisk</c>, then <c>Clear</c> truncates the log). A commit made
/// before a request is therefore, when the flush runs, either still in the log (which the flush forces) or already
/// in a data file forced to disk by the checkpoint that emptied the log. For an encrypted file LiteDB's "force" is
/// only a <c>Flush()</c> of its encrypting stream, so there <see cref="LiteDbFile.FlushToDisk"/> forces the data file
/// as well, after the log.
/// </para>
/// </summary>
internal sealed class LiteDbFlusher : IDisposable
{
    readonly Action _flush;
    readonly object _gate = new(); // a Monitor: its Wait and Pulse wake the thread
    readonly Thread _thread;
    List<TaskCompletionSource<object?>> _waiting = [];
    bool _closed;

    /// <param name="flush">Forces the log to disk (<see cref="LiteDbFile.FlushToDisk"/>); run on the flusher's thread only.</param>
    public LiteDbFlusher(Action flush)
    {
        _flush = flush;
        _thread = new Thread(Run) { IsBackground = true, Name = "JitBot LiteDB flusher" };
        _thread.Start();
    }

    /// <summary>
    /// What the writer does after each commit (<see cref="LiteDbWriter"/>'s <c>afterCommit</c>): a durable commit, or
    /// any commit when <paramref name="everyCommitDurable"/> (<c>Storage:DurableCommits</c>), is told after the next
    /// flush; any other at once.
    /// </summary>
    public Action<bool, TaskCompletionSource<object?>> AfterCommit(bool everyCommitDurable) => (durable, committed) =>
    {
        if (durable || everyCommitDurable) Flush(committed);
        else committed.TrySetResult(null);
    };

    /// <summary>Completes once every commit made before the call is on disk; fails if that flush fails.</summary>
    public Task FlushAsync()
    {
        var waiter = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Flush(waiter);
        return waiter.Task;
    }

    /// <summary>
    /// Completes <paramref name="waiter"/> (on the flusher's thread: it should run its continuations asynchronously)
    /// once every commit made before the call is on disk, or fails it with the flush's error — or with an
    /// <see cref="ObjectDisposedException"/> once the store is closed.
    /// </summary>
    public void Flush(TaskCompletionSource<object?> waiter)
    {
        lock (_gate)
        {
            if (!_closed)
            {
                _waiting.Add(waiter);
                if (_waiting.Count == 1) Monitor.Pulse(_gate);
                return;
            }
        }
        waiter.TrySetException(new ObjectDisposedException(nameof(LiteDbFlusher), "The store is closed."));
    }

    void Run()
    {
        while (true)
        {
            List<TaskCompletionSource<object?>> batch;
            lock (_gate)
            {
                while (_waiting.Count == 0 && !_closed) Monitor.Wait(_gate);
                if (_waiting.Count == 0) return; // closed, and nobody waits
                batch = _waiting;
                _waiting = [];
            }
            Exception? error = null;
            try
            {
                _flush();
            }
            catch (Exception e)
            {
                error = e;
            }
            foreach (var waiter in batch)
            {
                if (error is null) waiter.TrySetResult(null);
                else waiter.TrySetException(error);
            }
        }
    }

    /// <summary>
    /// Takes no more requests, flushes once more for those already made (their commits are made: they are told
    /// when those are on disk), and returns when the flusher's thread has ended.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }
        if (Thread.CurrentThread != _thread) _thread.Join();
    }
}
