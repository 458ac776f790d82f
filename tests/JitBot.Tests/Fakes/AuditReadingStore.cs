using System.Reflection;
using JitBot.Audit;
using JitBot.Storage;

namespace JitBot.Tests.Fakes;

/// <summary>A store that passes every call to a real one and keeps the audit records it read (<see cref="IAuditStore.ReadAuditAsync"/>).</summary>
public class AuditReadingStore : DispatchProxy
{
    IAccessStore _inner = null!;

    public List<AuditRecord> Read { get; } = [];

    public IAccessStore Store => (IAccessStore)(object)this;

    public static AuditReadingStore Over(IAccessStore inner)
    {
        var proxy = (AuditReadingStore)(object)Create<IAccessStore, AuditReadingStore>();
        proxy._inner = inner;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        object? result;
        try
        {
            result = targetMethod!.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
        return targetMethod.Name == nameof(IAuditStore.ReadAuditAsync) ? Keep((Task<IReadOnlyList<AuditRecord>>)result!) : result;
    }

    async Task<IReadOnlyList<AuditRecord>> Keep(Task<IReadOnlyList<AuditRecord>> reading)
    {
        var page = await reading.ConfigureAwait(false);
        lock (Read) Read.AddRange(page);
        return page;
    }
}
