using System.Globalization;
using System.Text.Json;
using JitBot.Audit;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Grants;

/// <summary>
/// Raises a provider alert inside the caller's transaction: an audit event and an outbox notice for the owning
/// team's channel (from the current policy) and the admin channel, so the alert is sent once, even across a restart.
/// </summary>
public sealed class GrantAlerts(IPolicySource policies)
{
    public const string RevokeAlert = "grant.revoke_alert";
    public const string RevokeRecovered = "grant.revoke_recovered";
    public const string Drift = "grant.drift";

    public async Task RaiseAsync(IAccessStoreTransaction tx, ProviderAlertKind kind, Grant grant, ResourceInfo? resource, string detail, int attempts,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var channel = resource is null ? null : policies.Current.TeamChannel(resource.OwnerTeam);
        var alert = new ProviderAlert(kind, grant.Id.Value, grant.ResourceId, grant.UserId, channel, detail, attempts, now);
        var auditKind = kind switch
        {
            ProviderAlertKind.RevokeFailing => RevokeAlert,
            ProviderAlertKind.RevokeRecovered => RevokeRecovered,
            ProviderAlertKind.Drift => Drift,
            _ => null,
        };
        if (auditKind is not null)
            await tx.AppendAuditAsync(new AuditEvent(auditKind, now, "jitbot", grant.RequestId.Value, grant.Id.Value,
                new Dictionary<string, string?>
                {
                    ["resource"] = grant.ResourceId,
                    ["user"] = grant.UserId,
                    ["detail"] = detail,
                    ["attempts"] = attempts.ToString(CultureInfo.InvariantCulture),
                }), cancellationToken).ConfigureAwait(false);
        await tx.EnqueueAsync(NotificationKind.ProviderAlert, grant.RequestId, grant.Id,
            JsonSerializer.Serialize(alert, DecisionJson.Options), now, cancellationToken).ConfigureAwait(false);
    }
}
