using JitBot.Audit;

namespace JitBot.Tests.Storage;

/// <summary>Reading the audit log from a time on (<see cref="IAuditStore.AuditSeqBeforeAsync"/>, <see cref="AuditStart"/>) on each store.</summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task AuditSeqBefore_IsTheNewestEventStampedBeforeTheTime_EvenWhenStampsAreOutOfOrder()
    {
        var t0 = Time.GetUtcNow();
        Assert.Equal(0, await Store.AuditSeqBeforeAsync(t0.AddYears(1), Ct));

        // Sequence 3 is stamped before 2: its work started first, its transaction committed later.
        foreach (var at in new[] { t0, t0.AddHours(2), t0.AddHours(1), t0.AddHours(3) })
            await CommitAsync(tx => tx.AppendAuditAsync(new AuditEvent("test.stamped", at, "U0X"), Ct));

        Assert.Equal(0, await Store.AuditSeqBeforeAsync(t0, Ct));
        Assert.Equal(1, await Store.AuditSeqBeforeAsync(t0.AddMilliseconds(1), Ct));
        Assert.Equal(1, await Store.AuditSeqBeforeAsync(t0.AddHours(1), Ct));
        Assert.Equal(3, await Store.AuditSeqBeforeAsync(t0.AddHours(1).AddMilliseconds(1), Ct));
        Assert.Equal(3, await Store.AuditSeqBeforeAsync(t0.AddHours(3), Ct));
        Assert.Equal(4, await Store.AuditSeqBeforeAsync(t0.AddHours(3).AddMilliseconds(1), Ct));
    }

    [Fact]
    public async Task AuditStart_ReadsEveryEventStampedFromATimeOn_AndOnlyTheDaysBeforeIt()
    {
        var t0 = Time.GetUtcNow();
        var stamps = new[] { t0, t0.AddDays(10), t0.AddDays(20).AddHours(-2), t0.AddDays(20).AddHours(1), t0.AddDays(20).AddMinutes(-1), t0.AddDays(21) };
        await CommitAsync(tx => tx.AppendAuditAsync(stamps.Select(at => new AuditEvent("test.stamped", at, "U0X")).ToList(), Ct));

        var since = t0.AddDays(20);
        var after = await AuditStart.AfterAsync(Store, since, Ct);
        var read = await Store.ReadAuditAsync(after, 100, Ct);

        // From the newest event stamped over a day before: the events near since, in whatever order they were stamped, are all read.
        Assert.Equal(2, after);
        Assert.Equal(stamps.Skip(2), read.Select(r => r.Event.At));
        Assert.Equal(0, await AuditStart.AfterAsync(Store, null, Ct));
        Assert.Equal(0, await AuditStart.AfterAsync(Store, DateTimeOffset.MinValue, Ct));
    }
}
