using JitBot.Grants;
using JitBot.Requests;
using JitBot.Providers;
using JitBot.Providers.Postgres;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Providers.Postgres;

/// <summary>
/// The grant lifecycle (provisioner, revoker, ledger) over a real PostgreSQL server: overlapping grants of one
/// role, and the server down at grant and at revoke.
/// </summary>
public sealed class PostgresLifecycleTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public void AccessKey_OfTwoResourcesGrantingTheSameRole_IsOneKey_AndModesInstancesAndPeopleKeepTheirOwn()
    {
        var readOnly = PgGrants.Resource("payments-db", "payments_readonly");
        var reports = PgGrants.Resource("payments-reports", "payments_readonly");

        Assert.Equal(ProviderTypes.AccessKey(readOnly, "U0PAY0001"), ProviderTypes.AccessKey(reports, "U0PAY0001"));
        Assert.Equal("postgres:payments:membership:payments_readonly:U0PAY0001", ProviderTypes.AccessKey(readOnly, "U0PAY0001"));
        Assert.NotEqual(ProviderTypes.AccessKey(readOnly, "U0PAY0001"), ProviderTypes.AccessKey(PgGrants.Resource("payments-login", "payments_readonly", "login"), "U0PAY0001"));
        Assert.NotEqual(ProviderTypes.AccessKey(readOnly, "U0PAY0001"), ProviderTypes.AccessKey(PgGrants.Resource("payments-db", "payments_rw"), "U0PAY0001"));
        Assert.NotEqual(ProviderTypes.AccessKey(readOnly, "U0PAY0001"), ProviderTypes.AccessKey(readOnly, "U0PAY0002"));
        var otherInstance = readOnly with { Provider = readOnly.Provider with { Instance = "ledger" } };
        Assert.NotEqual(ProviderTypes.AccessKey(readOnly, "U0PAY0001"), ProviderTypes.AccessKey(otherInstance, "U0PAY0001"));
    }

    /// <summary>A role, a database user for Slack id U0LED, and a provider for them (through <paramref name="gate"/> when given).</summary>
    async Task<(string Role, string User, PostgresProvider Provider)> SetUpAsync(FakeTimeProvider time, TcpGate? gate = null)
    {
        server.Require();
        var role = server.NewName("payments_readonly");
        var user = server.NewName("u0led");
        await server.CreateRoleAsync(role);
        await server.CreateRoleAsync(user);
        var connectionString = gate is null
            ? server.ConnectionString
            : new Npgsql.NpgsqlConnectionStringBuilder(server.ConnectionString) { Host = "127.0.0.1", Port = gate.Port }.ConnectionString;
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["P:ConnectionString"] = connectionString,
            ["P:UserTemplate"] = user.Replace("u0led", "{slack_id_lower}", StringComparison.Ordinal),
        }).Build();
        return (role, user, new PostgresProvider(PostgresSettings.From("payments", config.GetSection("P")), time, NullLogger<PostgresProvider>.Instance));
    }

    int Port() { server.Require(); return new Npgsql.NpgsqlConnectionStringBuilder(server.ConnectionString).Port; }

    [Fact]
    public async Task ServerDownAtGrant_TheRequestFails_TheRequesterIsTold_AndNothingIsGranted()
    {
        await using var gate = new TcpGate("127.0.0.1", Port(), GateMode.Down);
        var time = new FakeTimeProvider(CoreHarness.Start);
        var (role, user, provider) = await SetUpAsync(time, gate);
        using var _ = provider;
        await using var h = new CoreHarness(time, policy: new FakePolicy().AutoApprove(PgGrants.Resource("payments-db", role), TimeSpan.FromHours(1)),
            realProviders: [new ProviderInstance("payments", provider)]);

        var outcome = await h.SubmitAsync("U0LED", "payments-db");

        Assert.Equal(GrantState.Failed, outcome.Grant!.State);
        Assert.Equal(RequestState.Failed, (await h.Store.FindRequestAsync(outcome.Request.Id, Ct))!.State);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        var told = Assert.Single(h.Notifier.Calls, c => c.Kind == "GrantFailed");
        Assert.Contains("Could not reach PostgreSQL (payments", told.Detail);
        gate.Mode = GateMode.Open;
        Assert.False(await server.IsMemberAsync(role, user));
    }

    [Fact]
    public async Task ServerDownAtRevoke_TheGrantStaysActive_AndIsRevokedWhenTheServerIsBack()
    {
        await using var gate = new TcpGate("127.0.0.1", Port());
        var time = new FakeTimeProvider(CoreHarness.Start);
        var (role, user, provider) = await SetUpAsync(time, gate);
        using var _ = provider;
        await using var h = new CoreHarness(time, policy: new FakePolicy().AutoApprove(PgGrants.Resource("payments-db", role), TimeSpan.FromHours(1)),
            realProviders: [new ProviderInstance("payments", provider)]);
        var grant = (await h.SubmitAsync("U0LED", "payments-db")).Grant!;
        Assert.True(await server.IsMemberAsync(role, user));

        gate.Mode = GateMode.Down;
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(RevokeResult.Failed, await h.Revoker.RevokeAsync(grant.Id, Ct));
        var stored = (await h.Store.FindGrantAsync(grant.Id, Ct))!;
        Assert.Equal(GrantState.Active, stored.Grant.State);
        Assert.Contains("Could not reach PostgreSQL (payments", stored.LastError);
        Assert.True(await server.IsMemberAsync(role, user));

        gate.Mode = GateMode.Open;
        time.Advance(stored.NextRevokeAt!.Value - time.GetUtcNow());
        Assert.Equal(RevokeResult.Revoked, await h.Revoker.RevokeAsync(grant.Id, Ct));
        Assert.False(await server.IsMemberAsync(role, user));
    }

    [Fact]
    public async Task OverlappingGrantsOfOneRole_FromTwoResources_TheFirstEndingDoesNotRevokeWhatTheSecondStillCovers()
    {
        var time = new FakeTimeProvider(CoreHarness.Start);
        var (role, user, provider) = await SetUpAsync(time);
        using var _ = provider;
        var policy = new FakePolicy()
            .AutoApprove(PgGrants.Resource("payments-db", role), TimeSpan.FromHours(1))
            .AutoApprove(PgGrants.Resource("payments-reports", role), TimeSpan.FromHours(3));
        await using var h = new CoreHarness(time, policy: policy, realProviders: [new ProviderInstance("payments", provider)]);

        var shorter = (await h.SubmitAsync("U0LED", "payments-db")).Grant!;
        var longer = (await h.SubmitAsync("U0LED", "payments-reports")).Grant!;
        Assert.Equal(GrantState.Active, longer.State);
        Assert.True(await server.IsMemberAsync(role, user));

        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(RevokeResult.CoveredByLongerGrant, await h.Revoker.RevokeAsync(shorter.Id, Ct));
        Assert.True(await server.IsMemberAsync(role, user), "the longer grant still covers the role");

        time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(RevokeResult.Revoked, await h.Revoker.RevokeAsync(longer.Id, Ct));
        Assert.False(await server.IsMemberAsync(role, user));
    }
}
