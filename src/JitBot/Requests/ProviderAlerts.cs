namespace JitBot.Requests;

public enum ProviderAlertKind
{
    /// <summary>Revoking a grant has failed often enough (or in a way retrying cannot fix) that people must know.</summary>
    RevokeFailing,
    /// <summary>A revocation that was alerted about finally succeeded.</summary>
    RevokeRecovered,
    /// <summary>Reconciliation found the real system disagreeing with the grants (and what it did about it).</summary>
    Drift,
    /// <summary>A grant failed and nothing was granted (told to the owning team's channel).</summary>
    GrantFailed,
}

/// <summary>
/// Something operators and the owning team must hear about a grant's provider. <see cref="TeamChannel"/> is the
/// owning team's channel from the policy (null when the policy has none); <see cref="Detail"/> is a sentence
/// and never holds a secret.
/// </summary>
public sealed record ProviderAlert(
    ProviderAlertKind Kind,
    string GrantId,
    string ResourceId,
    string UserId,
    string? TeamChannel,
    string Detail,
    int Attempts,
    DateTimeOffset At)
{
    /// <summary>Names this alert once, so a retried delivery posts it once.</summary>
    public string Key => $"alert.{Kind}.{At.ToUnixTimeMilliseconds()}";
}

/// <summary>Tells the owning team's channel and the operators' channel about a provider alert.</summary>
public interface IProviderAlerts
{
    Task AlertAsync(AccessRequest request, ProviderAlert alert, CancellationToken cancellationToken);
}
