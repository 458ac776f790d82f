using JitBot.Providers;
using JitBot.Requests;

namespace JitBot.Grants;

/// <summary>
/// Hands a credential a provider issued to the requester alone, directly (never through the stored outbox:
/// nothing may keep the secret), retrying a little. Throws when it could not be delivered.
/// </summary>
public interface ICredentialDelivery
{
    Task DeliverAsync(AccessRequest request, Grant grant, IssuedCredential credential, CancellationToken cancellationToken);
}

/// <summary>Where nothing can reach the requester: every credential is undeliverable, so such grants fail closed.</summary>
public sealed class NoCredentialDelivery : ICredentialDelivery
{
    public Task DeliverAsync(AccessRequest request, Grant grant, IssuedCredential credential, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("This JitBot has no way to send a credential to the requester.");
}
