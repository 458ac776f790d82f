using JitBot.Common;
using System.Globalization;
using JitBot.Audit;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JitBot.Grants;

/// <summary>
/// Warns holders before their grants end: a minute's sweep over the store (durable across restarts and replicas, nothing
/// to reschedule when an end moves). A grant is due for a warning once it is within its window of its end
/// (<see cref="WindowFor"/>); the warning is a <c>GrantExpiring</c> notice, queued in the transaction that records the
/// end warned about (<see cref="GrantRecord.WarnedFor"/>, a compare-and-swap), so each end is warned about once, in any
/// replica. An extension moves the end, which arms the warning again. A grant no longer than its window gets no warning
/// (its holder has just been told when it ends).
/// </summary>
public sealed class ExpiryWarnings(IAccessStore store, IPolicySource policies, IOptions<GrantsOptions> options, TimeProvider time, ILogger<ExpiryWarnings> logger)
{
    const int Page = 500;

    /// <summary>How long before its end a grant's holder is warned: the resource's <c>expiry_warning</c>, else <c>Grants:WarnBeforeMinutes</c>; zero is off.</summary>
    public static TimeSpan WindowFor(ResourceInfo? resource, GrantsOptions options) =>
        resource?.ExpiryWarning ?? TimeSpan.FromMinutes(Math.Max(0, options.WarnBeforeMinutes));

    /// <summary>Whether a grant is warned about at <paramref name="now"/>: inside its window, and longer than it.</summary>
    public static bool Due(Grant grant, TimeSpan window, DateTimeOffset now) =>
        window > TimeSpan.Zero && grant.ExpiresAt > now && grant.ExpiresAt - now <= window && grant.ExpiresAt - grant.GrantedAt > window;

    /// <summary>Queues the warnings that are due; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var setting = TimeSpan.FromMinutes(Math.Max(0, options.Value.WarnBeforeMinutes));
        var snapshot = policies.Current;
        var longest = snapshot.LongestExpiryWarning > setting ? snapshot.LongestExpiryWarning : setting;
        if (longest <= TimeSpan.Zero) return 0;
        // A grant no longer than every window is never warned: the store leaves those out (a burst of short grants costs nothing here).
        var shortest = new[] { setting, snapshot.ShortestExpiryWarning }.Where(w => w > TimeSpan.Zero).Min();

        var candidates = await store.UnwarnedGrantsEndingAsync(now, now + longest, shortest, Page, cancellationToken).ConfigureAwait(false);
        if (candidates.Count == 0) return 0;
        var requests = (await store.FindRequestsAsync(candidates.Select(c => c.Grant.RequestId).ToList(), cancellationToken).ConfigureAwait(false))
            .ToDictionary(r => r.Id);
        var warned = 0;
        foreach (var record in candidates)
        {
            var resource = requests.GetValueOrDefault(record.Grant.RequestId)?.Decision.Resource;
            // The resource as the policy has it now, so a changed expiry_warning applies to grants already running.
            resource = policies.Current.FindResource(record.Grant.ResourceId) ?? resource;
            var window = WindowFor(resource, options.Value);
            var silent = window <= TimeSpan.Zero || (record.Grant.ExpiresAt - now <= window && !Due(record.Grant, window, now));
            if (!silent && !Due(record.Grant, window, now)) continue;
            try
            {
                // A grant whose warning is off, or that is no longer than its window, is marked without a notice, so it
                // is not read again every minute until it ends.
                if (await WarnAsync(record, now, notify: !silent, cancellationToken).ConfigureAwait(false) && !silent) warned++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Queuing the expiry warning of grant {GrantId} failed; the next sweep tries again", record.Grant.Id);
            }
        }
        if (warned > 0) logger.LogInformation("Expiry warnings: {Count} holders warned", warned);
        return warned;
    }

    async Task<bool> WarnAsync(GrantRecord record, DateTimeOffset now, bool notify, CancellationToken cancellationToken)
    {
        var end = record.Grant.ExpiresAt;
        await using var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
        if (!await tx.TryMarkWarnedAsync(record.Grant.Id, end, cancellationToken).ConfigureAwait(false)) return false;
        if (!notify)
        {
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        await tx.AppendAuditAsync(new AuditEvent(AuditKinds.GrantWarned, now, RequestService.SystemActor, record.Grant.RequestId.Value, record.Grant.Id.Value,
            new Dictionary<string, string?> { ["expiresAt"] = end.ToString("O", CultureInfo.InvariantCulture) }), cancellationToken).ConfigureAwait(false);
        await tx.EnqueueAsync(NotificationKind.GrantExpiring, record.Grant.RequestId, record.Grant.Id, end.ToString("O", CultureInfo.InvariantCulture), now, cancellationToken)
            .ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }
}

/// <summary>Runs <see cref="ExpiryWarnings"/> at start-up and then every minute (by <see cref="TimeProvider"/>).</summary>
public sealed class ExpiryWarningService(ExpiryWarnings warnings, TimeProvider time, ILogger<ExpiryWarningService> logger)
    : MinuteSweepService(time, logger, "expiry warning sweep")
{
    protected override Task SweepAsync(CancellationToken cancellationToken) => warnings.SweepAsync(cancellationToken);
}
