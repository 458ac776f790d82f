using System.Collections.Concurrent;
using JitBot.Grants;
using JitBot.Providers;
using JitBot.Requests;

namespace JitBot.Tests.Fakes;

/// <summary>Remembers the credentials handed to requesters, or refuses them all when told to.</summary>
public sealed class RecordingCredentialDelivery : ICredentialDelivery
{
    public ConcurrentQueue<(string UserId, IssuedCredential Credential)> Delivered { get; } = new();
    public bool Fail;

    public Task DeliverAsync(AccessRequest request, Grant grant, IssuedCredential credential, CancellationToken cancellationToken)
    {
        if (Fail) throw new HttpRequestException("Slack did not answer (test).");
        Delivered.Enqueue((request.RequesterId, credential));
        return Task.CompletedTask;
    }
}
