using JitBot.Policies;
using JitBot.Providers;
using JitBot.Providers.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;

namespace JitBot.Tests.Providers.Postgres;

public sealed class PostgresProviderTests(PostgresServer server) : IClassFixture<PostgresServer>, IAsyncDisposable
{
    // The server checks VALID UNTIL by its own clock, so the fake clock starts at the real time (whole seconds).
    readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    readonly FakeLogCollector _logs = new();
    readonly List<IAsyncDisposable> _owned = [];

    static CancellationToken Ct => CancellationToken.None;

    public async ValueTask DisposeAsync()
    {
        foreach (var o in _owned) await o.DisposeAsync();
    }

    PostgresProvider Provider(string? connectionString = null, string? userTemplate = null, int timeout = 5, int commandTimeout = 10)
    {
        server.Require();
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Providers:postgres:payments:ConnectionString"] = connectionString ?? server.ConnectionString,
            ["Providers:postgres:payments:UserTemplate"] = userTemplate,
            ["Providers:postgres:payments:Timeout"] = timeout.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Providers:postgres:payments:CommandTimeout"] = commandTimeout.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var provider = new PostgresProvider(PostgresSettings.From("payments", config.GetSection("Providers:postgres:payments")), _time,
            new FakeLogger<PostgresProvider>(_logs));
        _owned.Add(new Disposer(provider));
        return provider;
    }

    ProviderGrant Grant(string role, string? dbUser = null, string mode = "membership", string userId = "U0PAY0001",
        string? grantId = null, TimeSpan? length = null) =>
        PgGrants.Make(grantId ?? "grt_" + Guid.NewGuid().ToString("N")[..12], userId, role, mode, dbUser,
            _time.GetUtcNow(), _time.GetUtcNow() + (length ?? TimeSpan.FromHours(2)));

    [Fact]
    public async Task Membership_GrantMakesTheDbUserAMember_AndRevokeTakesItBack()
    {
        var provider = Provider();
        var (role, user) = (await server.NewRoleAsync("payments_readonly"), await server.NewRoleAsync("alice", "LOGIN"));
        var grant = Grant(role, user);

        Assert.Equal(ProviderState.NotGranted, (await provider.CheckAsync(grant, Ct)).State);
        Assert.True((await provider.GrantAsync(grant, Ct)).Succeeded);
        Assert.True((await provider.GrantAsync(grant, Ct)).Succeeded);
        Assert.True(await server.IsMemberAsync(role, user));
        Assert.Equal(ProviderState.Granted, (await provider.CheckAsync(grant, Ct)).State);

        Assert.True((await provider.RevokeAsync(grant, Ct)).Succeeded);
        Assert.True((await provider.RevokeAsync(grant, Ct)).Succeeded);
        Assert.False(await server.IsMemberAsync(role, user));
        Assert.Equal(ProviderState.NotGranted, (await provider.CheckAsync(grant, Ct)).State);
    }

    [Fact]
    public async Task Membership_WithoutADbUserTag_UsesTheUserTemplate()
    {
        var provider = Provider(userTemplate: "{slack_id_lower}_x");
        var role = server.NewName("payments_readonly");
        var user = server.NewName("u0tpl");
        await server.CreateRoleAsync(role);
        await server.CreateRoleAsync(user + "_x");
        server.NewName(user + "_x"); // dropped at the end too
        var grant = Grant(role, dbUser: null, userId: user.ToUpperInvariant());

        Assert.True((await provider.GrantAsync(grant, Ct)).Succeeded);
        Assert.True(await server.IsMemberAsync(role, user + "_x"));
    }

    [Fact]
    public async Task Membership_WithNeitherDbUserTagNorUserTemplate_FailsSayingWhatToSet()
    {
        var provider = Provider();
        var role = await server.NewRoleAsync("payments_readonly");

        var result = await provider.GrantAsync(Grant(role, dbUser: null), Ct);

        AssertRefusedFor(result, "db_user", "Providers:postgres:payments:UserTemplate");
    }

    [Fact]
    public async Task Grant_OfARoleThatDoesNotExist_FailsNamingTheRole_AndIsNotRetried()
    {
        var provider = Provider();
        var user = await server.NewRoleAsync("alice");

        var result = await provider.GrantAsync(Grant("no_such_role_x1", user), Ct);

        AssertRefusedFor(result, "\"no_such_role_x1\" does not exist");
    }

    [Fact]
    public async Task Membership_ForADbUserThatDoesNotExist_FailsNamingTheUser_AndIsNotRetried()
    {
        var provider = Provider();
        var role = await server.NewRoleAsync("payments_readonly");

        var result = await provider.GrantAsync(Grant(role, "nobody_x1"), Ct);

        AssertRefusedFor(result, "\"nobody_x1\"", "U0PAY0001");
    }

    [Theory]
    [InlineData("ro\"le; DROP ROLE {victim}; --", "us er\"; DROP ROLE {victim}; --")]
    [InlineData("role' OR '1'='1", "user\\\"; GRANT {victim} TO PUBLIC; --")]
    [InlineData("Mixed Case Role", "tab\tuser")]
    public async Task RoleAndUserNames_WithQuotesSpacesAndSemicolons_AreEachOneName_AndInjectNothing(string roleStem, string userStem)
    {
        var provider = Provider();
        var victim = server.NewName("victim");
        await server.CreateRoleAsync(victim);
        var role = server.NewName(roleStem.Replace("{victim}", victim, StringComparison.Ordinal));
        var user = server.NewName(userStem.Replace("{victim}", victim, StringComparison.Ordinal));
        await server.CreateRoleAsync(role);
        await server.CreateRoleAsync(user);
        var grant = Grant(role, user);

        Assert.True((await provider.GrantAsync(grant, Ct)).Succeeded);
        Assert.True(await server.IsMemberAsync(role, user));
        Assert.Equal(ProviderState.Granted, (await provider.CheckAsync(grant, Ct)).State);
        Assert.True((await provider.RevokeAsync(grant, Ct)).Succeeded);
        Assert.False(await server.IsMemberAsync(role, user));

        Assert.True(await server.RoleExistsAsync(victim));
        Assert.Equal(0L, await server.ScalarAsync("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE r.rolname = $1", victim));
    }

    [Fact]
    public async Task Login_Grant_CreatesALoginInTheRole_ThatTheIssuedPasswordOpens_UntilTheGrantEnds()
    {
        var provider = Provider();
        var role = await server.NewRoleAsync("payments_readonly");
        var grant = Grant(role, mode: "login", length: TimeSpan.FromHours(2));

        var result = await provider.GrantAsync(grant, Ct);

        Assert.True(result.Succeeded, result.Error);
        var credential = Assert.IsType<IssuedCredential>(result.Credential);
        Assert.Equal(grant.ExpiresAt, credential.ExpiresAt);
        var login = LoginOf(credential);
        server.NewName(login);
        Assert.True(await server.IsMemberAsync(role, login));
        Assert.Equal(grant.ExpiresAt, new DateTimeOffset((DateTime)(await server.ScalarAsync("SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1", login))!));
        Assert.Equal(ProviderState.Granted, (await provider.CheckAsync(grant, Ct)).State);
        await using var session = await OpenAsAsync(login, credential.Secret);
        Assert.Equal(login, await new NpgsqlCommand("SELECT current_user", session).ExecuteScalarAsync());
    }

    [Fact]
    public async Task Login_Revoke_EndsItsSessions_AndDropsTheLogin()
    {
        var provider = Provider();
        var role = await server.NewRoleAsync("payments_readonly");
        var grant = Grant(role, mode: "login");
        var credential = (await provider.GrantAsync(grant, Ct)).Credential!;
        var login = LoginOf(credential);
        server.NewName(login);
        await using var session = await OpenAsAsync(login, credential.Secret);

        Assert.True((await provider.RevokeAsync(grant, Ct)).Succeeded);
        Assert.True((await provider.RevokeAsync(grant, Ct)).Succeeded);

        Assert.False(await server.RoleExistsAsync(login));
        await Assert.ThrowsAnyAsync<Exception>(() => new NpgsqlCommand("SELECT 1", session).ExecuteScalarAsync());
        Assert.Equal(ProviderState.NotGranted, (await provider.CheckAsync(grant, Ct)).State);
    }

    [Fact]
    public async Task Login_Revoke_DropsALoginThatOwnsObjects_GivingThemToTheRole()
    {
        var role = await server.NewRoleAsync("payments_readonly");
        var provider = Provider(await LimitedAdminAsync(role));
        var grant = Grant(role, mode: "login");
        var credential = (await provider.GrantAsync(grant, Ct)).Credential!;
        var login = LoginOf(credential);
        server.NewName(login);
        var table = "t_" + Guid.NewGuid().ToString("N")[..8];
        await using (var admin = new NpgsqlConnection(server.ConnectionString))
        {
            await admin.OpenAsync();
            await new NpgsqlCommand($"CREATE TABLE {table} (id int)", admin).ExecuteNonQueryAsync();
            await new NpgsqlCommand($"ALTER TABLE {table} OWNER TO {login}", admin).ExecuteNonQueryAsync();
        }

        Assert.True((await provider.RevokeAsync(grant, Ct)).Succeeded);

        Assert.False(await server.RoleExistsAsync(login));
        Assert.Equal(role, await server.ScalarAsync("SELECT tableowner::text FROM pg_tables WHERE tablename = $1", table));
    }

    [Fact]
    public async Task Login_RevokeOfTheLongerGrant_AlsoDropsTheLoginOfAnExpiredGrantItCovered()
    {
        var provider = Provider();
        var role = await server.NewRoleAsync("payments_readonly");
        var shorter = Grant(role, mode: "login", length: TimeSpan.FromHours(1));
        var longer = Grant(role, mode: "login", length: TimeSpan.FromHours(3));
        var shortLogin = LoginOf((await provider.GrantAsync(shorter, Ct)).Credential!);
        var longLogin = LoginOf((await provider.GrantAsync(longer, Ct)).Credential!);
        server.NewName(shortLogin);
        server.NewName(longLogin);

        _time.Advance(TimeSpan.FromHours(3)); // the shorter one ended covered by the longer one: never revoked on its own
        Assert.True((await provider.RevokeAsync(longer, Ct)).Succeeded);

        Assert.False(await server.RoleExistsAsync(longLogin));
        Assert.False(await server.RoleExistsAsync(shortLogin));
    }

    [Fact]
    public async Task Login_TheIssuedPassword_AppearsInNoLogLine_AndNotInTheCredentialsText()
    {
        var provider = Provider();
        var role = await server.NewRoleAsync("payments_readonly");
        var grant = Grant(role, mode: "login");

        var result = await provider.GrantAsync(grant, Ct);
        server.NewName(LoginOf(result.Credential!));
        await provider.RevokeAsync(grant, Ct);

        var secret = result.Credential!.Secret;
        Assert.True(secret.Length >= 40);
        Assert.NotEmpty(_logs.GetSnapshot());
        Assert.DoesNotContain(_logs.GetSnapshot(), r => r.Message.Contains(secret, StringComparison.Ordinal) || (r.Exception?.ToString().Contains(secret, StringComparison.Ordinal) ?? false));
        Assert.DoesNotContain(secret, result.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, result.Detail ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAdminWithOnlyTheDocumentedPrivileges_GrantsAndRevokesBothModes()
    {
        var role = server.NewName("payments_readonly");
        var user = server.NewName("alice");
        await server.CreateRoleAsync(role);
        await server.CreateRoleAsync(user, "LOGIN");
        var provider = Provider(await LimitedAdminAsync(role));

        var membership = Grant(role, user);
        Assert.True((await provider.GrantAsync(membership, Ct)).Succeeded);
        Assert.True(await server.IsMemberAsync(role, user));
        Assert.True((await provider.RevokeAsync(membership, Ct)).Succeeded);
        Assert.False(await server.IsMemberAsync(role, user));

        var login = Grant(role, mode: "login");
        var granted = await provider.GrantAsync(login, Ct);
        Assert.True(granted.Succeeded, granted.Error);
        var name = LoginOf(granted.Credential!);
        server.NewName(name);
        await using var session = await OpenAsAsync(name, granted.Credential!.Secret);
        var revoked = await provider.RevokeAsync(login, Ct);
        Assert.True(revoked.Succeeded, revoked.Error);
        Assert.False(await server.RoleExistsAsync(name));
    }

    [Fact]
    public async Task ServerDown_AtGrant_FailsRetryably_NamingTheInstance_WithoutItsPassword()
    {
        await using var gate = (new TcpGate("127.0.0.1", Port(), GateMode.Down));
        var provider = Provider(Through(gate));

        var result = await provider.GrantAsync(Grant("payments_readonly", "alice"), Ct);

        Assert.False(result.Succeeded);
        Assert.True(result.Retryable);
        Assert.Contains("Could not reach PostgreSQL (payments", result.Error);
        var password = new NpgsqlConnectionStringBuilder(server.ConnectionString).Password!;
        Assert.DoesNotContain(password, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_logs.GetSnapshot(), r => r.Message.Contains(password, StringComparison.Ordinal) || (r.Exception?.ToString().Contains(password, StringComparison.Ordinal) ?? false));
    }

    [Fact]
    public async Task ServerThatNeverAnswers_AtGrant_FailsRetryablyWithinTheTimeout()
    {
        await using var gate = (new TcpGate("127.0.0.1", Port(), GateMode.Silent));
        var provider = Provider(Through(gate), timeout: 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await provider.GrantAsync(Grant("payments_readonly", "alice"), Ct);

        Assert.False(result.Succeeded);
        Assert.True(result.Retryable);
        Assert.Contains("did not answer within 1 seconds", result.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AStatementThatHangs_FailsRetryablyAfterTheCommandTimeout_NamingIt()
    {
        var provider = Provider(commandTimeout: 1);
        var (role, user) = (await server.NewRoleAsync("payments_readonly"), await server.NewRoleAsync("alice"));
        await using var blocker = new NpgsqlConnection(server.ConnectionString);
        await blocker.OpenAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        // Holding the membership catalog makes GRANT wait, as a server stuck on a lock would.
        await new NpgsqlCommand("LOCK TABLE pg_catalog.pg_auth_members IN EXCLUSIVE MODE", blocker, tx).ExecuteNonQueryAsync();

        var result = await provider.GrantAsync(Grant(role, user), Ct);
        await tx.RollbackAsync();

        Assert.False(result.Succeeded);
        Assert.True(result.Retryable);
        Assert.Contains("within 1 seconds", result.Error);
        Assert.False(await server.IsMemberAsync(role, user));
    }

    [Fact]
    public async Task ServerDown_AtRevoke_FailsRetryablyAndKeepsNothingHidden_ThenRevokesWhenItIsBack()
    {
        await using var gate = (new TcpGate("127.0.0.1", Port()));
        var provider = Provider(Through(gate));
        var (role, user) = (await server.NewRoleAsync("payments_readonly"), await server.NewRoleAsync("alice"));
        var grant = Grant(role, user);
        Assert.True((await provider.GrantAsync(grant, Ct)).Succeeded);

        gate.Mode = GateMode.Down;
        var down = await provider.RevokeAsync(grant, Ct);
        Assert.False(down.Succeeded);
        Assert.True(down.Retryable);
        Assert.Equal(ProviderState.Unknown, (await provider.CheckAsync(grant, Ct)).State);
        Assert.True(await server.IsMemberAsync(role, user));

        gate.Mode = GateMode.Open;
        Assert.True((await provider.RevokeAsync(grant, Ct)).Succeeded);
        Assert.False(await server.IsMemberAsync(role, user));
    }

    /// <summary>A failure retrying cannot help, whose sentence says each of <paramref name="mentions"/>.</summary>
    static void AssertRefusedFor(ProviderResult result, params string[] mentions)
    {
        Assert.False(result.Succeeded);
        Assert.False(result.Retryable);
        Assert.All(mentions, m => Assert.Contains(m, result.Error));
    }

    int Port() { server.Require(); return new NpgsqlConnectionStringBuilder(server.ConnectionString).Port; }

    string Through(TcpGate gate) => new NpgsqlConnectionStringBuilder(server.ConnectionString) { Host = "127.0.0.1", Port = gate.Port }.ConnectionString;

    /// <summary>A connection string for a JitBot user with only the privileges docs/providers.md lists, for <paramref name="role"/>.</summary>
    async Task<string> LimitedAdminAsync(string role)
    {
        var admin = server.NewName("jitbot_admin");
        var password = Guid.NewGuid().ToString("N");
        await server.CreateRoleAsync(admin, $"LOGIN CREATEROLE PASSWORD '{password}'");
        await using var conn = new NpgsqlConnection(server.ConnectionString);
        await conn.OpenAsync();
        await new NpgsqlCommand($"GRANT pg_signal_backend TO \"{admin}\"; GRANT \"{role}\" TO \"{admin}\" WITH ADMIN OPTION; GRANT CREATE ON SCHEMA public TO \"{role}\"", conn).ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(server.ConnectionString) { Username = admin, Password = password }.ConnectionString;
    }

    /// <summary>The login's user name as the credential states it.</summary>
    static string LoginOf(IssuedCredential credential) => credential.Label.Split(' ').Last();

    /// <summary>A session as the login, with its password.</summary>
    async Task<NpgsqlConnection> OpenAsAsync(string login, string password)
    {
        var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Username = login, Password = password, Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    sealed class Disposer(IDisposable d) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() { d.Dispose(); return ValueTask.CompletedTask; }
    }
}
