namespace JitBot.Providers.Token;

/// <summary>
/// Issues a short-lived ES256 JWT for the requester: <c>sub</c> the requester's Slack id, <c>resource</c> and its
/// <c>tags</c>, <c>jti</c> the grant id, and <c>exp</c> the grant's end. The token goes to the requester alone as an
/// <see cref="IssuedCredential"/>. A token cannot be called back, so revocation changes nothing here: services that
/// must see an early end ask <c>GET /api/v1/grants/check</c>, which answers from the grants JitBot holds.
/// </summary>
public sealed class TokenProvider(TokenSettings settings, TimeProvider time) : IAccessProvider
{
    public string Type => TokenType.Name;

    /// <summary>The instance's keys and claims (the key set and the check endpoint are built from these).</summary>
    public TokenSettings Settings => settings;

    public Task<ProviderResult> GrantAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (grant.ExpiresAt <= now)
            return Task.FromResult(ProviderResult.Failed($"Grant {grant.GrantId} has already ended, so no token was issued.", retryable: false));
        var claims = new Dictionary<string, object>
        {
            ["iss"] = settings.Issuer,
            ["sub"] = grant.UserId,
            ["resource"] = grant.Resource.Id,
            ["tags"] = grant.Resource.Tags,
            ["jti"] = grant.GrantId,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = grant.ExpiresAt.ToUnixTimeSeconds(),
        };
        if (settings.Audience is { } audience) claims["aud"] = audience;
        var token = SignedToken.Create(settings.SigningKey, claims);
        var credential = new IssuedCredential($"Access token for {grant.Resource.Id}", token, grant.ExpiresAt,
            "Send it in an Authorization: Bearer header. It stops working when the grant ends; services that ask JitBot's check endpoint stop honouring it as soon as the grant is revoked.");
        return Task.FromResult(new ProviderResult(true, Detail: "token issued", Credential: credential));
    }

    /// <summary>Nothing to take back: the token expires by itself and the check endpoint already answers "not active".</summary>
    public Task<ProviderResult> RevokeAsync(ProviderGrant grant, CancellationToken cancellationToken) =>
        Task.FromResult(ProviderResult.Ok("token left to expire; the check endpoint answers not active"));

    public Task<ProviderCheck> CheckAsync(ProviderGrant grant, CancellationToken cancellationToken) =>
        Task.FromResult(new ProviderCheck(ProviderState.Unknown, "An issued token cannot be asked about; the check endpoint answers from JitBot's grants."));

    public override string ToString() => $"token:{settings.Instance}";
}
