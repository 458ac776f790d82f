using System.Text.RegularExpressions;
using JitBot.Grants;
using JitBot.Requests;
using JitBot.TestSupport.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>
/// A postgres resource in <c>mode: login</c> end to end against a real PostgreSQL server: request, approval, a
/// login of its own created <c>VALID UNTIL</c> the grant's end, its password to the requester alone, a real login
/// with it, and at expiry its sessions ended, the login dropped and the password refused.
/// </summary>
public sealed partial class PostgresLoginTests : PostgresTestDatabase, IAsyncLifetime
{
    Workspace? w;
    string role = "";
    string policies = "";

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        Require();
        role = await NewRoleAsync("payments_staging_ro");
        policies = ExamplePolicies.CopyWithProvider("payments-db-staging", $"{{type: postgres, instance: payments, role: {role}, mode: login}}");
        // PostgreSQL checks VALID UNTIL with its own clock: the bot's fake clock starts at the real time. Once the test
        // moves it past the grant's end it runs ahead of the real clock, which Quartz cannot follow (see Workspace.RealNow):
        // the revocation comes from the expiry sweep, which runs in every bot and revokes what is past its end.
        w = await Workspace.StartAsync(clockStart: Workspace.RealNow(), settings: new Dictionary<string, string?>
        {
            ["Policies:Path"] = policies,
            ["Providers:postgres:payments:ConnectionString"] = ConnectionString,
        }, services: s => s.AddSingleton<IGrantScheduler, SweepOnly>());
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (w is not null)
        {
            w.Slack.AssertNoProblems();
            await w.DisposeAsync();
        }
        await DisposeAsync();
        if (policies.Length > 0) Directory.Delete(policies, recursive: true);
    }

    [GeneratedRegex(@"as user (?<login>jit_[a-z0-9_]+) with this password")]
    private static partial Regex LoginName();

    [GeneratedRegex(@"```(?<password>[A-Za-z0-9_\-]{43})```")]
    private static partial Regex Password();

    NpgsqlConnection As(string login, string password) =>
        new(new NpgsqlConnectionStringBuilder(ConnectionString) { Username = login, Password = password, Pooling = false }.ConnectionString);

    [Fact]
    public async Task LoginGrant_ThePasswordReachesOnlyTheRequester_OpensTheDatabase_AndStopsAtExpiry()
    {
        var reply = await w!.AskAsync(People.Dev, "payments-db-staging for 1h because checking a migration");
        Assert.Contains("sent to #payments-access", reply);
        await w.ClickAsync(People.Ana, approve: true, await w.ApprovalPostedAsync());

        var dm = await w.DirectMessageAsync(People.Dev, "Your PostgreSQL login");
        var text = dm.Json!["blocks"]![0]!["text"]!["text"]!.GetValue<string>();
        var login = LoginName().Match(text).Groups["login"].Value;
        var password = Password().Match(text).Groups["password"].Value;
        Assert.NotEmpty(login);
        Assert.NotEmpty(password);
        DropAtEnd(login); // should the revocation below fail, the login still goes with the test
        Assert.All(w.Slack.Calls.Where(c => c.RawBody.Contains(password, StringComparison.Ordinal)),
            c => Assert.Equal(("chat.postMessage", People.Dev, null), (c.Method, c.Channel, c.ThreadTs)));
        await w.DirectMessageAsync(People.Dev, "You have access to `payments-db-staging`");

        // The login ends with the grant, by PostgreSQL's clock too.
        var grantEnd = w.Clock.GetUtcNow() + TimeSpan.FromHours(1);
        var validUntil = new DateTimeOffset((DateTime)(await ScalarAsync("SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1", login))!);
        Assert.InRange(validUntil, grantEnd - TimeSpan.FromMinutes(1), grantEnd);
        Assert.True(await IsMemberAsync(role, login));

        await using var session = As(login, password);
        await session.OpenAsync();
        Assert.Equal(login, await new NpgsqlCommand("SELECT current_user", session).ExecuteScalarAsync());

        w.Clock.Advance(TimeSpan.FromMinutes(61));
        await w.DirectMessageAsync(People.Dev, "expired", timeout: TimeSpan.FromSeconds(30));

        Assert.False(await RoleExistsAsync(login));
        await Assert.ThrowsAnyAsync<Exception>(() => new NpgsqlCommand("SELECT 1", session).ExecuteScalarAsync());
        await using var again = As(login, password);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => again.OpenAsync());
        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
    }
}

/// <summary>Schedules nothing: expiry is left to the sweep.</summary>
sealed class SweepOnly : IGrantScheduler
{
    public Task ScheduleRevokeAsync(GrantId id, DateTimeOffset at, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task UnscheduleRevokeAsync(GrantId id, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task ScheduleTimeoutAsync(RequestId id, DateTimeOffset at, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task UnscheduleTimeoutAsync(RequestId id, CancellationToken cancellationToken) => Task.CompletedTask;
}
