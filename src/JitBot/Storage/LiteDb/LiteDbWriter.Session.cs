using System.Collections.Concurrent;
using LiteDB;

namespace JitBot.Storage.LiteDb;

/// <summary>The transactions the writer runs (<see cref="Session"/>) and their steps (<see cref="Operation"/>).</summary>
internal sealed partial class LiteDbWriter
{
    internal enum OperationKind
    {
        Work,
        Commit,
        Rollback,
    }

    /// <summary>
    /// One step of a session: work, which returns how to hand its result to the caller, or the commit or
    /// rollback that ends the session.
    /// </summary>
    internal sealed class Operation(OperationKind kind, Func<LiteDatabase, (Action Publish, Exception? Error)>? work = null, Action<Exception>? fail = null)
    {
        public OperationKind Kind { get; } = kind;
        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public (Action Publish, Exception? Error) Execute(LiteDatabase db) => work!(db);

        public void Fail(Exception because)
        {
            fail?.Invoke(because);
            Done.TrySetException(because);
        }
    }

    /// <summary>
    /// One transaction on the writer thread. Post its operations one at a time (await each); end it with
    /// <see cref="CommitAsync"/> or <see cref="EndAsync"/>, which rolls back whatever was not committed.
    /// </summary>
    public sealed class Session(bool durable)
    {
        readonly object _gate = new();
        bool _ending;
        bool _queued;
        Exception? _closedBecause;

        public bool Durable { get; } = durable;

        /// <summary>
        /// Every step and the commit are posted, and nothing more can be: the writer may run this session with others
        /// in one LiteDB transaction. Set before the session is queued.
        /// </summary>
        internal bool Complete { get; private set; }
        internal TaskCompletionSource<Session> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        internal CancellationTokenRegistration CancelRegistration { get; set; }

        /// <summary>Set for a session begun with <see cref="Begin"/>: queues it with the writer (once, on the first post).</summary>
        internal Func<Task<Session>>? QueueOnFirstPost { get; set; }
        internal BlockingCollection<Operation> Operations { get; } = new();
        TaskCompletionSource<object?> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>
        /// Runs <paramref name="work"/> and commits, posted together (and, for a transaction not yet queued, queued
        /// with both): the writer runs the step and the commit in one go.
        /// </summary>
        public (Task<T> Result, Task Committed) RunAndCommit<T>(Func<LiteDatabase, T> work)
        {
            var result = Work(work, out var operation);
            var commit = new Operation(OperationKind.Commit);
            Post([operation, commit], ending: true);
            return (result, commit.Done.Task);
        }

        /// <summary>Runs <paramref name="work"/> on the writer thread, inside this transaction.</summary>
        public Task<T> RunAsync<T>(Func<LiteDatabase, T> work)
        {
            var result = Work(work, out var operation);
            Post([operation]);
            return result;
        }

        static Task<T> Work<T>(Func<LiteDatabase, T> work, out Operation operation)
        {
            var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            operation = new Operation(OperationKind.Work, db =>
            {
                try
                {
                    var value = work(db);
                    return (() => result.TrySetResult(value), null);
                }
                catch (Exception e)
                {
                    return (() => result.TrySetException(e), e);
                }
            }, e => result.TrySetException(e));
            return result.Task;
        }

        /// <summary>Commits; afterwards the session is over.</summary>
        public Task CommitAsync()
        {
            var operation = new Operation(OperationKind.Commit);
            Post([operation], ending: true);
            return operation.Done.Task;
        }

        /// <summary>Rolls back unless the session already ended; waits until the writer thread is done with it.</summary>
        public async Task EndAsync()
        {
            Operation? rollback = null;
            lock (_gate)
            {
                if (!_ending)
                {
                    _ending = true;
                    if (QueueOnFirstPost is not null && !_queued)
                    {
                        // Never queued: the writer thread has nothing to roll back.
                        _closedBecause = new InvalidOperationException("The store transaction has already ended.");
                        Closed.TrySetResult(null);
                    }
                    else if (_closedBecause is null) rollback = new Operation(OperationKind.Rollback);
                }
            }
            if (rollback is not null) Operations.Add(rollback);
            await Closed.Task.ConfigureAwait(false);
        }

        void Post(Operation[] operations, bool ending = false)
        {
            lock (_gate)
            {
                if (_closedBecause is not null) throw new InvalidOperationException(_closedBecause.Message, _closedBecause);
                if (_ending) throw new InvalidOperationException("The store transaction has already ended.");
                foreach (var operation in operations) Operations.Add(operation);
                var first = QueueOnFirstPost is null ? Operations.Count == operations.Length : !_queued;
                Complete = ending && first && operations[^1].Kind == OperationKind.Commit;
                if (QueueOnFirstPost is not null && !_queued)
                {
                    try
                    {
                        _ = QueueOnFirstPost();
                    }
                    catch (Exception)
                    {
                        Complete = false;
                        while (Operations.TryTake(out _)) { }
                        throw;
                    }
                    _queued = true;
                }
                if (ending) _ending = true;
            }
        }

        internal void Close(Exception? because)
        {
            lock (_gate)
            {
                _closedBecause = because ?? new InvalidOperationException("The store transaction has already ended.");
                _ending = true;
            }
            // Anything posted after the end (a caller racing the idle limit) fails instead of waiting for ever.
            while (Operations.TryTake(out var late)) late.Fail(_closedBecause);
            Closed.TrySetResult(null);
        }
    }
}
