using JitBot.Audit;
using JitBot.Storage;
using JitBot.TestSupport.Secrets;
using Microsoft.Extensions.DependencyInjection;
using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>A provider that issues a password: the requester gets it by direct message, and nothing else ever holds it.</summary>
public sealed class CredentialFlowTests : WorkspaceTests
{
    const string Secret = "Pw-7f3K&q<z>9!only-for-ana";

    protected override async Task<Workspace> StartWorkspaceAsync()
    {
        var started = await Workspace.StartAsync();
        started.Provider.IssuesSecret = Secret;
        return started;
    }

    protected override bool AssertNoSlackProblems => false;

    [Fact]
    public async Task AnIssuedPassword_ReachesOnlyTheRequester_AndNoLogAuditOrDatabaseFileHoldsIt()
    {
        await w.AskAsync(People.Ana, "payments-db-staging for 2h because checking a migration");

        var dm = await w.DirectMessageAsync(People.Ana, "Your password for");
        Assert.Contains("```Pw-7f3K&amp;q&lt;z&gt;9!only-for-ana```", dm.Json!["blocks"]![0]!["text"]!["text"]!.GetValue<string>());
        var holding = w.Slack.Calls.Where(c => c.RawBody.Contains("only-for-ana")).ToList();
        Assert.All(holding, c => Assert.Equal(("chat.postMessage", People.Ana, null), (c.Method, c.Channel, c.ThreadTs))); // to Ana alone
        await w.DirectMessageAsync(People.Ana, "You have access to `payments-db-staging`");

        w.Clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        await w.DirectMessageAsync(People.Ana, "expired", timeout: TimeSpan.FromSeconds(30));
        Assert.Empty(w.Provider.Active);

        var store = w.Bot.Services.GetRequiredService<IAccessStore>();
        var audit = await store.ReadAuditAsync(0, 10_000, CancellationToken.None);
        Assert.Contains(audit, a => a.Event.Kind == AuditKinds.GrantProvisioned && a.Event.Data!["credentialFingerprint"] is { Length: 16 });
        var logs = w.Logs.GetSnapshot().Select((r, i) => ($"log #{i} ({r.Category})", $"{r.Message} {r.Exception}"));
        var findings = SecretScanner.Scan([Secret], SecretScanner.Audit(audit).Concat(logs));
        Assert.Empty(findings);

        await w.Bot.DisposeAsync(); // closes the database file so it can be read whole
        Assert.Empty(SecretScanner.Scan([Secret], SecretScanner.Files(Path.GetDirectoryName(w.Storage.ConnectionString)!)));
    }
}
