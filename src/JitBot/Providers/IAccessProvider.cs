using JitBot.Policies;

namespace JitBot.Providers;

/// <summary>
/// Carries a grant out in a real system and takes it back. Implementations must be idempotent: granting
/// what is already granted, or revoking what is already gone, succeeds. One instance serves one configured
/// (type, instance) pair; <see cref="Type"/> matches <c>provider.type</c> of a resource in the policy catalog.
/// </summary>
public interface IAccessProvider
{
    string Type { get; }

    Task<ProviderResult> GrantAsync(ProviderGrant grant, CancellationToken cancellationToken);

    Task<ProviderResult> RevokeAsync(ProviderGrant grant, CancellationToken cancellationToken);

    /// <summary>What the real system says about this grant now (for reconciliation).</summary>
    Task<ProviderCheck> CheckAsync(ProviderGrant grant, CancellationToken cancellationToken);
}

/// <summary>
/// Everything a provider needs for one grant. <see cref="GrantId"/> is the idempotency key;
/// <see cref="AccessKey"/> names "the same access" so that overlapping grants can be tracked in a ledger.
/// </summary>
public sealed record ProviderGrant(
    string GrantId,
    string RequestId,
    string UserId,
    ResourceInfo Resource,
    DateTimeOffset GrantedAt,
    DateTimeOffset ExpiresAt)
{
    static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoTags = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The provider instance the resource names (<c>default</c> when the catalog names none).</summary>
    public string Instance => Resource.Provider.Instance;

    /// <summary>The resource's non-secret catalog parameters (without <c>type</c> and <c>instance</c>).</summary>
    public IReadOnlyDictionary<string, string> Parameters => Resource.Provider.Settings;

    /// <summary>The requester's tags from the policy's <c>people</c> entry (for example <c>db_user</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> UserTags { get; init; } = NoTags;

    /// <summary><c>{type}:{instance}:{access}:{user}</c>, where the type decides what "the same access" is.</summary>
    public string AccessKey => ProviderTypes.AccessKey(Resource, UserId);
}

/// <summary>Success, or a failure that says whether retrying can help. A success may carry a credential for the requester alone.</summary>
public sealed record ProviderResult(bool Succeeded, string? Error = null, bool Retryable = true, string? Detail = null, IssuedCredential? Credential = null)
{
    public static ProviderResult Ok(string? detail = null) => new(true, Detail: detail);
    public static ProviderResult Issued(IssuedCredential credential, string? detail = null) => new(true, Detail: detail, Credential: credential);
    public static ProviderResult Failed(string error, bool retryable = true) => new(false, error, retryable);

    /// <summary>Never shows the credential's secret.</summary>
    public override string ToString() =>
        $"ProviderResult {{ Succeeded = {Succeeded}, Error = {Error}, Retryable = {Retryable}, Detail = {Detail}, Credential = {Credential} }}";
}

public enum ProviderState
{
    Granted,
    NotGranted,
    Unknown,
}

public sealed record ProviderCheck(ProviderState State, string? Detail = null);
