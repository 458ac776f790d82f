using JitBot.Storage;

namespace JitBot.Audit;

/// <summary>
/// Where to start reading the audit log (<see cref="IAuditStore.ReadAuditAsync"/>) to find every event stamped from a
/// time on, without reading what came before. The log is in sequence order and its stamps only nearly so: an event is
/// stamped when its work starts (before its transaction) and gets its sequence number at the commit, and replicas'
/// clocks differ by a little. So the start is the newest event stamped more than <see cref="Slack"/> before the time:
/// every event stored before it is stamped earlier than the time as long as no event is stamped more than
/// <see cref="Slack"/> before one stored ahead of it.
/// </summary>
public static class AuditStart
{
    /// <summary>
    /// How far out of order stamps may be: a transaction lasts seconds and clocks differ by less, so a day is a wide
    /// margin, and reading one more day costs little next to the months a log holds.
    /// </summary>
    public static readonly TimeSpan Slack = TimeSpan.FromDays(1);

    /// <summary>The sequence number to read after to find every event stamped at or after <paramref name="since"/>; 0 (the log's start) when null.</summary>
    public static async Task<long> AfterAsync(IAuditStore store, DateTimeOffset? since, CancellationToken cancellationToken) =>
        since is { } at && at - DateTimeOffset.MinValue > Slack
            ? await store.AuditSeqBeforeAsync(at - Slack, cancellationToken).ConfigureAwait(false)
            : 0;
}
