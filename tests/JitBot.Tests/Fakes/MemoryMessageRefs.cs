using System.Collections.Concurrent;
using JitBot.Requests;

namespace JitBot.Tests.Fakes;

/// <summary>Message references kept in memory; like the store, the first reference saved for a request and kind stays.</summary>
public sealed class MemoryMessageRefs : IMessageRefStore
{
    public ConcurrentDictionary<(RequestId, string), MessageRef> Refs { get; } = new();

    public Task SaveAsync(MessageRef reference, CancellationToken cancellationToken)
    {
        Refs.TryAdd((reference.RequestId, reference.Kind), reference);
        return Task.CompletedTask;
    }

    public Task<MessageRef?> FindAsync(RequestId requestId, string kind, CancellationToken cancellationToken) =>
        Task.FromResult(Refs.TryGetValue((requestId, kind), out var r) ? r : null);
}
