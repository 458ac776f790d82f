using JitBot.Grants;
using JitBot.Requests;
using JitBot.Providers;
using JitBot.Providers.Postgres;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Providers.Postgres;

/// <summary>The grant ledger with a real PostgreSQL server: two grants of one role to one person, ending at different times.</summary>
public sealed class PostgresLedgerTests(PostgresServer server) : IClassFixture<PostgresServer>
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

    [Fact]
    public async Task OverlappingGrantsOfOneRole_FromTwoResources_TheFirstEndingDoesNotRevokeWhatTheSecondStillCovers()
    {
        server.Require();
        var role = server.NewName("payments_readonly");
        var user = server.NewName("u0led");
        await server.CreateRoleAsync(role);
        await server.CreateRoleAsync(user);
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["P:ConnectionString"] = server.ConnectionString,
            ["P:UserTemplate"] = user.Replace("u0led", "{slack_id_lower}", StringComparison.Ordinal),
        }).Build();
        var time = new FakeTimeProvider(CoreHarness.Start);
        using var provider = new PostgresProvider(PostgresSettings.From("payments", config.GetSection("P")), time, NullLogger<PostgresProvider>.Instance);
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
