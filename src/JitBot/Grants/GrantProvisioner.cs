using System.Globalization;
using JitBot.Audit;
using JitBot.Common;
using JitBot.Policies;
using JitBot.Providers;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.Logging;

namespace JitBot.Grants;

/// <summary>
/// Turns an approved request into a grant. In two steps so that no access can exist without a record:
/// <see cref="AddGrantAsync"/> writes the grant row (clock starting now) in the same transaction that
/// approves the request; after commit, <see cref="ProvisionAsync"/> forces it to disk, schedules the revocation and
/// asks the provider. If the provider fails, the request becomes Failed and the grant Failed, loudly.
/// </summary>
public sealed class GrantProvisioner(
    IAccessStore store,
    GrantProviders providers,
    GrantAlerts alerts,
    IGrantScheduler scheduler,
    ICredentialDelivery credentials,
    TimeProvider time,
    ILogger<GrantProvisioner> logger)
{
    /// <summary>Writes the grant for an approved request inside the caller's transaction. The clock starts at <paramref name="now"/>.</summary>
    public async Task<GrantRecord> AddGrantAsync(IAccessStoreTransaction tx, AccessRequest request, DateTimeOffset now, string actor, CancellationToken cancellationToken)
    {
        var resource = request.Decision.Resource;
        var duration = request.Decision.Duration?.Granted;
        var expiresAt = now + (duration is { } d && d > TimeSpan.Zero ? d : TimeSpan.Zero);
        if (request.IncidentId is { } incidentId && await store.FindIncidentAsync(incidentId, cancellationToken).ConfigureAwait(false) is { } incident
            && incident.Deadline < expiresAt)
        {
            // No incident grant outlives its incident: approved late, or after the incident's end began, it ends with it.
            expiresAt = incident.Deadline > now ? incident.Deadline : now;
        }
        var grant = new Grant(GrantId.New(), request.Id, request.RequesterId, request.ResourceId, now, expiresAt, GrantState.Active, null);
        var providerType = resource?.Provider.Type ?? "";
        var accessKey = resource is null
            ? $"{providerType}:{request.ResourceId}:{request.RequesterId}"
            : ProviderTypes.AccessKey(resource, grant.UserId);
        var record = new GrantRecord(grant, providerType, accessKey);
        await tx.InsertGrantAsync(record, cancellationToken).ConfigureAwait(false);
        await tx.AppendAuditAsync(new AuditEvent(AuditKinds.GrantStarted, now, actor, request.Id.Value, grant.Id.Value,
            new Dictionary<string, string?>
            {
                ["user"] = grant.UserId,
                ["resource"] = grant.ResourceId,
                ["provider"] = providerType,
                ["grantedAt"] = grant.GrantedAt.ToString("O", CultureInfo.InvariantCulture),
                ["expiresAt"] = grant.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                ["duration"] = (grant.ExpiresAt - grant.GrantedAt).ToString("c", CultureInfo.InvariantCulture),
                ["incidentId"] = request.IncidentId?.Value,
            }), cancellationToken).ConfigureAwait(false);
        return record;
    }

    /// <summary>
    /// Finishes a grant whose provider call never completed (the process stopped between the approval and
    /// the provider's answer). Idempotent: the provider is keyed by grant id and only one confirmation counts.
    /// </summary>
    public async Task<bool> ResumeAsync(GrantId id, CancellationToken cancellationToken)
    {
        var record = await store.FindGrantAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null || record.Grant.State != GrantState.Active || record.ProvisionedAt is not null) return false;
        if (record.Grant.ExpiresAt <= time.GetUtcNow()) return false; // the revoker takes it from here
        var request = await store.FindRequestAsync(record.Grant.RequestId, cancellationToken).ConfigureAwait(false);
        if (request is null) return false;
        logger.LogWarning("Grant {GrantId} was approved but its provider call never finished; carrying it out now", id);
        var (_, error) = await ProvisionAsync(request, record, cancellationToken).ConfigureAwait(false);
        return error is null;
    }

    /// <summary>
    /// After commit: make the grant row durable, schedule the revocation, call the provider, and record how it went.
    /// The one place that makes sure a provider never acts on a grant the database could lose in a power cut:
    /// the commits that wrote grant rows are not forced to disk themselves.
    /// </summary>
    public async Task<(Grant Grant, string? Error)> ProvisionAsync(AccessRequest request, GrantRecord record, CancellationToken cancellationToken)
    {
        var grant = record.Grant;
        await store.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await scheduler.ScheduleRevokeAsync(grant.Id, grant.ExpiresAt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not schedule revocation of grant {GrantId}; the periodic sweep will revoke it at {ExpiresAt:O}", grant.Id, grant.ExpiresAt);
        }

        var (provider, missing) = request.Decision.Resource is { } named ? providers.Find(named) : (null, null);
        string? error = null;
        string? detail = null;
        ProviderResult? result = null;
        if (request.Decision.Resource is not { } resource)
            error = $"The policy decision for {request.ResourceId} has no resource, so there is nothing to grant.";
        else if (provider is null)
            error = missing + " Nothing was granted.";
        else
        {
            try
            {
                result = await provider.GrantAsync(providers.ToProviderGrant(grant, resource), cancellationToken).ConfigureAwait(false);
                CrashHooks.At(CrashHooks.AfterProviderGrant);
                if (result.Succeeded) detail = result.Detail;
                else error = result.Error ?? "The provider refused the grant without saying why.";
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The exception text stays in the log: it goes to operators, not into Slack.
                logger.LogError(e, "Provider {ProviderType} threw while granting {GrantId}", record.ProviderType, grant.Id);
                error = $"The {record.ProviderType} provider failed ({e.GetType().Name}). The JitBot operators can find the details in its log.";
            }
        }

        var credential = result?.Credential;
        if (error is null && credential is not null)
            error = await DeliverAsync(request, grant, credential, cancellationToken).ConfigureAwait(false);

        var now = time.GetUtcNow();
        if (error is null)
        {
            CrashHooks.At(CrashHooks.BeforeGrantCommit);
            await using var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
            // Only the first confirmation counts: a resumed provisioning racing the original one sends one notice.
            await tx.MarkProvisionedAsync(grant.Id, now, new AuditEvent(AuditKinds.GrantProvisioned, now, "jitbot", request.Id.Value, grant.Id.Value,
                WithCredential(new Dictionary<string, string?> { ["provider"] = record.ProviderType, ["detail"] = detail }, credential)),
                NotificationKind.GrantStarted, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Grant {GrantId} of {ResourceId} to {UserId} for request {RequestId} is in place until {ExpiresAt:O}",
                grant.Id, request.ResourceId, LogText.Safe(request.RequesterId), request.Id, grant.ExpiresAt);
            return (grant, null);
        }

        logger.LogError("Granting {ResourceId} to {UserId} for request {RequestId} failed: {Error}", request.ResourceId, LogText.Safe(request.RequesterId), request.Id, error);
        await using (var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            await tx.TryMoveGrantAsync(grant.Id, GrantState.Active, GrantLifecycle.NextOrThrow(GrantState.Active, GrantTrigger.ProvisionFailed), now, cancellationToken).ConfigureAwait(false);
            await tx.TryMoveRequestAsync(request.Id, RequestState.Granted, RequestLifecycle.NextOrThrow(RequestState.Granted, RequestTrigger.GrantFailed), now, null, cancellationToken).ConfigureAwait(false);
            await tx.AppendAuditAsync(new AuditEvent(AuditKinds.GrantFailed, now, "jitbot", request.Id.Value, grant.Id.Value,
                WithCredential(new Dictionary<string, string?>
                {
                    ["provider"] = record.ProviderType,
                    ["error"] = error,
                    ["retryable"] = result is { Succeeded: false } failed ? (failed.Retryable ? "true" : "false") : null,
                }, credential)), cancellationToken).ConfigureAwait(false);
            await tx.EnqueueAsync(NotificationKind.GrantFailed, request.Id, grant.Id, error, now, cancellationToken).ConfigureAwait(false);
            // An approved request is told in its approval thread; one approved by policy has none, so the team's channel is told.
            if (request.Decision.Approval is null)
                await alerts.RaiseAsync(tx, ProviderAlertKind.GrantFailed, grant, request.Decision.Resource, error, 0, now, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        // Fail closed: whatever the provider may have half-done is taken back.
        if (provider is not null && request.Decision.Resource is { } r)
        {
            try { await provider.RevokeAsync(providers.ToProviderGrant(grant, r), cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Cleaning up failed grant {GrantId} also failed", grant.Id);
            }
        }
        try { await scheduler.UnscheduleRevokeAsync(grant.Id, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not remove the revocation job of failed grant {GrantId}", grant.Id);
        }
        return (grant with { State = GrantState.Failed, EndedAt = now }, error);
    }

    /// <summary>Hands the credential to the requester; returns null, or the error that fails the grant (the secret is never in it).</summary>
    async Task<string?> DeliverAsync(AccessRequest request, Grant grant, IssuedCredential credential, CancellationToken cancellationToken)
    {
        try
        {
            await credentials.DeliverAsync(request, grant, credential, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError("Could not deliver the {Label} (fingerprint {Fingerprint}) of grant {GrantId} to its requester ({Error}); taking the access back",
                LogText.Safe(credential.Label), credential.Fingerprint, grant.Id, e.GetType().Name);
            return $"The {credential.Label} for {request.ResourceId} could not be sent to you, so the access was taken back (nothing else has it). " +
                   $"Ask again with /access {request.ResourceId}.";
        }
    }

    /// <summary>The audit records a credential by its label and fingerprint, never its secret.</summary>
    static Dictionary<string, string?> WithCredential(Dictionary<string, string?> data, IssuedCredential? credential)
    {
        if (credential is null) return data;
        data["credential"] = credential.Label;
        data["credentialFingerprint"] = credential.Fingerprint;
        return data;
    }
}
