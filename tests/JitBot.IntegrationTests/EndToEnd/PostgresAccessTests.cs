using JitBot.TestSupport.Postgres;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>
/// The example policy's <c>payments-db-readonly</c> end to end against a real PostgreSQL server: request,
/// approval, the membership in the database, expiry, and the membership gone.
/// </summary>
public sealed class PostgresAccessTests : PostgresTestDatabase, IAsyncLifetime
{
    /// <summary>The role the example resource grants.</summary>
    const string Role = "payments_readonly";

    Workspace? w;
    string dbUser = "";

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        Require();
        if (!await RoleExistsAsync(Role)) await CreateRoleAsync(DropAtEnd(Role));
        // Ben has no db_user tag: his database user comes from the instance's UserTemplate.
        dbUser = NewName("u0pay0002");
        await CreateRoleAsync(dbUser, "LOGIN");
        w = await Workspace.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Providers:postgres:payments:ConnectionString"] = ConnectionString,
            ["Providers:postgres:payments:UserTemplate"] = "{slack_id_lower}" + dbUser["u0pay0002".Length..],
        });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (w is not null)
        {
            w.Slack.AssertNoProblems();
            await w.DisposeAsync();
        }
        await DisposeAsync();
    }

    [Fact]
    public async Task RequestApprovedThenExpired_TheDatabaseShowsTheMembership_AndThenNot()
    {
        var reply = await w!.AskAsync(People.Ben, "payments-db-readonly for 1h because INC-4312 reconcile payouts");
        Assert.Contains("sent to #payments-access", reply);
        var post = await w.ApprovalPostedAsync();
        Assert.False(await IsMemberAsync(Role, dbUser));

        await w.ClickAsync(People.Ana, approve: true, post);
        await w.DirectMessageAsync(People.Ben, "You have access to `payments-db-readonly`");
        Assert.True(await IsMemberAsync(Role, dbUser));

        w.Clock.Advance(TimeSpan.FromMinutes(61));
        await w.DirectMessageAsync(People.Ben, "expired", timeout: TimeSpan.FromSeconds(30));
        Assert.False(await IsMemberAsync(Role, dbUser));
    }
}
