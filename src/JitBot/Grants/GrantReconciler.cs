using System.Globalization;
using JitBot.Audit;
using JitBot.Providers;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JitBot.Grants;

/// <summary>What one reconciliation found.</summary>
public sealed record ReconcileReport(int Checked, int Missing, int LeftoversRemoved, int LeftoversStuck);

/// <summary>
/// Asks each grant's provider (<see cref="IAccessProvider.CheckAsync"/>) whether the real system agrees with
/// the grants: access that ended in the last <see cref="Window"/> must be gone (a leftover is removed), and
/// access of an active grant must be there (a missing one is reported, never re-created: only a person asking
/// adds access). Every disagreement is a <c>grant.drift</c> audit event and an alert in the admin channel.
/// </summary>
public sealed class GrantReconciler(
    IAccessStore store,
    GrantProviders providers,
    GrantAlerts alerts,
    TimeProvider time,
    ILogger<GrantReconciler> logger)
{
    /// <summary>How long after its end a grant's access is still checked.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(1);

    /// <summary>The longest one provider call may take before it counts as "unknown".</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    const string CoveredHow = "covered by a longer grant";

    readonly SemaphoreSlim _pass = new(1, 1);
    readonly Dictionary<GrantId, DateTimeOffset> _ended = [];
    readonly HashSet<GrantId> _reported = [];
    long _auditSeq;

    /// <summary>One reconciliation pass; passes never overlap.</summary>
    public async Task<ReconcileReport> ReconcileAsync(CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await PassAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pass.Release();
        }
    }

    async Task<ReconcileReport> PassAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await ReadEndedAsync(now, cancellationToken).ConfigureAwait(false);
        var active = await store.ActiveGrantsAsync(cancellationToken).ConfigureAwait(false);
        int checkedCount = 0, missing = 0, removed = 0, stuck = 0;

        foreach (var record in active.Where(g => g.ProvisionedAt is not null && g.Grant.ExpiresAt > now))
        {
            var (provider, grant, resource) = await ResolveAsync(record, cancellationToken).ConfigureAwait(false);
            if (provider is null || grant is null) continue;
            checkedCount++;
            if (await CheckAsync(provider, grant, cancellationToken).ConfigureAwait(false) != ProviderState.NotGranted) { _reported.Remove(record.Grant.Id); continue; }
            missing++;
            if (!_reported.Add(record.Grant.Id)) continue;
            await ReportAsync(record, resource, "missing",
                $"The grant says the access lasts until {record.Grant.ExpiresAt:u}, but the provider says it is not there. JitBot does not grant it again by itself; the requester can ask again.",
                cancellationToken).ConfigureAwait(false);
        }

        foreach (var id in _ended.Keys.ToList())
        {
            var record = await store.FindGrantAsync(id, cancellationToken).ConfigureAwait(false);
            if (record is null || record.Grant.State == GrantState.Active || active.Any(a => a.AccessKey == record.AccessKey))
            {
                Forget(id);
                continue;
            }
            var (provider, grant, resource) = await ResolveAsync(record, cancellationToken).ConfigureAwait(false);
            if (provider is null || grant is null) continue;
            checkedCount++;
            if (await CheckAsync(provider, grant, cancellationToken).ConfigureAwait(false) != ProviderState.Granted)
            {
                // Gone now; it stays watched for the rest of the window, since someone may put it back by hand.
                if (_reported.Remove(id)) await ReportAsync(record, resource, "leftover-removed", "The leftover access is gone now.", cancellationToken).ConfigureAwait(false);
                continue;
            }
            string? error;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(CallTimeout);
                var result = await provider.RevokeAsync(grant, timeout.Token).ConfigureAwait(false);
                error = result.Succeeded ? null : result.Error ?? "The provider refused without saying why.";
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                error = $"{e.GetType().Name}: {e.Message}";
            }
            if (error is null)
            {
                removed++;
                await ReportAsync(record, resource, "leftover-removed",
                    $"The grant ended at {record.Grant.EndedAt ?? record.Grant.ExpiresAt:u}, but the access was still there. JitBot removed it.", cancellationToken).ConfigureAwait(false);
                _reported.Remove(id);
            }
            else
            {
                stuck++;
                if (_reported.Add(id))
                    await ReportAsync(record, resource, "leftover",
                        $"The grant ended at {record.Grant.EndedAt ?? record.Grant.ExpiresAt:u}, but the access is still there and removing it failed: {error} JitBot tries again at every reconciliation; remove it by hand if it must end now.",
                        cancellationToken).ConfigureAwait(false);
            }
        }
        var report = new ReconcileReport(checkedCount, missing, removed, stuck);
        if (missing + removed + stuck > 0)
            logger.LogWarning("Reconciliation found drift: {Missing} grants missing their access, {Removed} leftovers removed, {Stuck} leftovers still there", missing, removed, stuck);
        else
            logger.LogDebug("Reconciliation checked {Checked} grants and found no drift", checkedCount);
        return report;
    }

    /// <summary>Reads the audit log from where the last run stopped, remembering grants that ended within the window.</summary>
    async Task ReadEndedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await store.ReadAuditAsync(_auditSeq, 500, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0) break;
            foreach (var a in page)
            {
                _auditSeq = a.Seq;
                var e = a.Event;
                if (e.GrantId is null || now - e.At > Window) continue;
                var ended = e.Kind == AuditKinds.GrantFailed ||
                            (e.Kind is AuditKinds.GrantExpired or AuditKinds.GrantRevoked && e.Data?.GetValueOrDefault("how") != CoveredHow);
                if (ended) _ended[new GrantId(e.GrantId)] = e.At;
            }
        }
        foreach (var old in _ended.Where(p => now - p.Value > Window).Select(p => p.Key).ToList())
            _ended.Remove(old);
    }

    void Forget(GrantId id)
    {
        _ended.Remove(id);
        _reported.Remove(id);
    }

    async Task<(IAccessProvider? Provider, ProviderGrant? Grant, Policies.ResourceInfo? Resource)> ResolveAsync(GrantRecord record, CancellationToken cancellationToken)
    {
        var resource = (await store.FindRequestAsync(record.Grant.RequestId, cancellationToken).ConfigureAwait(false))?.Decision.Resource;
        if (resource is null) return (null, null, null);
        var (provider, _) = providers.Find(resource);
        return provider is null ? (null, null, resource) : (provider, providers.ToProviderGrant(record.Grant, resource), resource);
    }

    async Task<ProviderState> CheckAsync(IAccessProvider provider, ProviderGrant grant, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CallTimeout);
            return (await provider.CheckAsync(grant, timeout.Token).ConfigureAwait(false)).State;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Checking grant {GrantId} with its {ProviderType} provider failed ({Error}); it is checked again next time",
                grant.GrantId, provider.Type, e.GetType().Name);
            return ProviderState.Unknown;
        }
    }

    async Task ReportAsync(GrantRecord record, Policies.ResourceInfo? resource, string what, string detail, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
        await alerts.RaiseAsync(tx, ProviderAlertKind.Drift, record.Grant, resource, $"{detail} ({what})", 0, now, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        logger.LogWarning("Drift on grant {GrantId} ({AccessKey}): {What}", record.Grant.Id, record.AccessKey, what);
    }
}

/// <summary>Runs <see cref="GrantReconciler"/> at start and every <c>Grants:ReconcileMinutes</c> (0 turns it off).</summary>
public sealed class ReconcileService(GrantReconciler reconciler, IOptions<GrantsOptions> options, TimeProvider time, ILogger<ReconcileService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var minutes = options.Value.ReconcileMinutes;
        if (minutes <= 0)
        {
            logger.LogInformation("Reconciliation is off ({Key} = {Minutes})", $"{GrantsOptions.Section}:{nameof(GrantsOptions.ReconcileMinutes)}", minutes);
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(minutes), time);
        do
        {
            try
            {
                await reconciler.ReconcileAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Reconciliation failed; it runs again in {Minutes} minutes", minutes.ToString(CultureInfo.InvariantCulture));
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
