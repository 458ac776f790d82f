using JitBot.Grants;
using JitBot.Policies;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Grants;

/// <summary>The expiry warning's sweep: once per end, inside the window, none for grants no longer than it.</summary>
public sealed class ExpiryWarningsTests : IAsyncLifetime
{
    const string Requester = "U0REQUESTER";
    readonly CoreHarness h = new();
    ExpiryWarnings warnings = null!;

    public Task InitializeAsync()
    {
        h.Policy.AutoApprove("staging-db", TimeSpan.FromHours(1)).AutoApprove("short-db", TimeSpan.FromMinutes(5))
            .AutoApprove(FakePolicy.Resource("quiet-db") with { ExpiryWarning = TimeSpan.Zero }, TimeSpan.FromHours(1));
        warnings = new ExpiryWarnings(h.Store, h.Policy, Microsoft.Extensions.Options.Options.Create(h.Options), h.Time, NullLogger<ExpiryWarnings>.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    async Task<int> WarnedEventsAsync(JitBot.Requests.Grant grant) =>
        (await h.Audit.ForRequestAsync(grant.RequestId.Value, CoreHarness.Ct)).Count(a => a.Event.Kind == "grant.warned");

    [Fact]
    public async Task AGrant_IsWarnedOnceInsideItsWindow_AndAgainAfterItsEndMoves()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;

        h.Time.Advance(TimeSpan.FromMinutes(49));
        Assert.Equal(0, await warnings.SweepAsync(CoreHarness.Ct));
        h.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await warnings.SweepAsync(CoreHarness.Ct));
        Assert.Equal(0, await warnings.SweepAsync(CoreHarness.Ct));
        Assert.Equal(grant.ExpiresAt, (await h.Store.FindGrantAsync(grant.Id, CoreHarness.Ct))!.WarnedFor);
        Assert.Equal(1, await WarnedEventsAsync(grant));

        await using (var tx = await h.Store.BeginAsync(CoreHarness.Ct))
        {
            Assert.True(await tx.TryExtendGrantAsync(grant.Id, grant.ExpiresAt, grant.ExpiresAt.AddMinutes(30), CoreHarness.Ct));
            await tx.CommitAsync(CoreHarness.Ct);
        }
        Assert.Equal(0, await warnings.SweepAsync(CoreHarness.Ct));
        h.Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(1, await warnings.SweepAsync(CoreHarness.Ct));
        Assert.Equal(2, await WarnedEventsAsync(grant));
    }

    [Fact]
    public async Task GrantsNoLongerThanTheWindow_GetNone_AndAreNotEvenRead()
    {
        var shortGrant = (await h.SubmitAsync(Requester, "short-db")).Grant!;
        h.Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(0, await warnings.SweepAsync(CoreHarness.Ct));
        Assert.Equal(0, await WarnedEventsAsync(shortGrant));
        Assert.Null((await h.Store.FindGrantAsync(shortGrant.Id, CoreHarness.Ct))!.WarnedFor);
    }

    [Fact]
    public async Task AResourceWithWarningsOff_GetsNone_AndIsMarkedSoItIsNotReadAgain()
    {
        var quiet = (await h.SubmitAsync(Requester, "quiet-db")).Grant!;
        h.Options.WarnBeforeMinutes = 30;
        h.Time.Advance(TimeSpan.FromMinutes(35));

        Assert.Equal(0, await warnings.SweepAsync(CoreHarness.Ct));
        Assert.Equal(0, await WarnedEventsAsync(quiet));
        Assert.Equal(quiet.ExpiresAt, (await h.Store.FindGrantAsync(quiet.Id, CoreHarness.Ct))!.WarnedFor);
    }

    [Fact]
    public async Task TheSettingZero_TurnsWarningsOff()
    {
        await h.SubmitAsync(Requester, "staging-db");
        h.Options.WarnBeforeMinutes = 0;
        h.Time.Advance(TimeSpan.FromMinutes(55));
        Assert.Equal(0, await warnings.SweepAsync(CoreHarness.Ct));
    }
}
