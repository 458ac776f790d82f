using JitBot.Requests;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Grants;

/// <summary>A credential a provider issues reaches the requester alone; the audit log knows only its fingerprint.</summary>
public sealed class CredentialTests : IAsyncLifetime
{
    const string Requester = "U0REQUESTER";
    const string Secret = "pw-Zq8&<x>-only-for-alice";
    readonly CoreHarness h = new();
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        h.Policy.AutoApprove("staging-db", TimeSpan.FromHours(1));
        h.Provider.IssuesSecret = Secret;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task AnIssuedCredential_GoesToTheRequester_AndTheAuditRecordsOnlyItsFingerprint()
    {
        var outcome = await h.SubmitAsync(Requester, "staging-db");

        Assert.Equal(GrantState.Active, outcome.Grant!.State);
        var (user, credential) = Assert.Single(h.Credentials.Delivered);
        Assert.Equal((Requester, Secret), (user, credential.Secret));
        var audit = await h.Audit.ForRequestAsync(outcome.Request.Id.Value, Ct);
        var provisioned = Assert.Single(audit, a => a.Event.Kind == "grant.provisioned");
        Assert.Equal(credential.Fingerprint, provisioned.Event.Data!["credentialFingerprint"]);
        Assert.All(audit, a => Assert.DoesNotContain(Secret, string.Join("|", a.Event.Data!.Values)));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.All(h.Notifier.Calls, c => Assert.DoesNotContain(Secret, c.Detail ?? ""));
    }

    [Fact]
    public async Task ACredentialThatCannotBeDelivered_TakesTheAccessBack_AndTellsTheRequesterToAskAgain()
    {
        h.Credentials.Fail = true;

        var outcome = await h.SubmitAsync(Requester, "staging-db");

        Assert.Empty(h.Provider.Granted);
        var grant = (await h.Store.FindGrantByRequestAsync(outcome.Request.Id, Ct))!;
        Assert.Equal(GrantState.Failed, grant.Grant.State);
        Assert.Equal(RequestState.Failed, (await h.Store.FindRequestAsync(outcome.Request.Id, Ct))!.State);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        var failed = Assert.Single(h.Notifier.Calls, c => c.Kind == "GrantFailed");
        Assert.Equal("The password for staging-db could not be sent to you, so the access was taken back (nothing else has it). Ask again with /access staging-db.", failed.Detail);
        var audit = await h.Audit.ForRequestAsync(outcome.Request.Id.Value, Ct);
        Assert.All(audit, a => Assert.DoesNotContain(Secret, string.Join("|", a.Event.Data!.Values)));
        Assert.Contains(audit, a => a.Event.Kind == "grant.failed" && a.Event.Data!["credentialFingerprint"] is { Length: 16 });
    }
}
