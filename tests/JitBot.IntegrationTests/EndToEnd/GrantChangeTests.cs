using System.Net;
using System.Text.Json.Nodes;
using JitBot.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using JitBot.Requests;
using JitBot.SlackApp;
using JitBot.Storage;

namespace JitBot.IntegrationTests.EndToEnd;

public sealed class LiteDbGrantChangeTests : GrantChangeTests
{
    protected override BotStorage NewStorage() => BotStorage.LiteDb();
}

public sealed class PostgresGrantChangeTests : GrantChangeTests
{
    protected override BotStorage NewStorage() => BotStorage.Postgres();
}

/// <summary>
/// Revoke now, Extend and the expiry warning end to end: signed commands and clicks into the real host, the example
/// policies, the fake Slack, each store, and time from the workspace's fake clock.
/// </summary>
public abstract class GrantChangeTests : WorkspaceTests
{
    protected abstract BotStorage NewStorage();

    protected override Task<Workspace> StartWorkspaceAsync() => Workspace.StartAsync(storage: NewStorage);

    IAccessStore Store => w.Bot.Services.GetRequiredService<IAccessStore>();

    /// <summary>Ana, an owner of payments-db-staging, gets it for 2h at once; returns the grant.</summary>
    async Task<GrantRecord> StagingGrantAsync(string user = People.Ana, string duration = "2h")
    {
        Assert.Contains("approved for", await w.AskAsync(user, $"payments-db-staging for {duration} because checking a migration"));
        await w.DirectMessageAsync(user, "You have access to `payments-db-staging`");
        var grants = await Store.GrantsForUserAsync(user, Workspace.Start, 10, CancellationToken.None);
        return grants.Single(g => g.Grant.State == GrantState.Active);
    }

    async Task<GrantRecord> GrantAsync(GrantId id) => (await Store.FindGrantAsync(id, CancellationToken.None))!;

    Task<HttpResponseMessage> ClickGrantAsync(string user, string actionId, GrantId id, string? actionTs = null) =>
        w.Bot.SendAsync(w.Bot.Signer.Click(user, actionId, id.Value, "D0DIRECT", "1700000000.000100", actionTs));

    /// <summary>Lets a wrong revocation or notice show itself before a test says it did not happen.</summary>
    static Task SettleAsync() => Task.Delay(400);

    [Fact]
    public async Task Extend_MovesTheEnd_AndTheRevocationWithIt()
    {
        var grant = await StagingGrantAsync();
        var oldEnd = grant.Grant.ExpiresAt;

        var reply = await w.AskAsync(People.Ana, $"extend {grant.Grant.Id.Short} by 1h");

        Assert.Contains("is extended by 1 hour", reply);
        Assert.Contains($"<!date^{oldEnd.AddHours(1).ToUnixTimeSeconds()}^", reply);
        Assert.Equal(oldEnd.AddHours(1), (await GrantAsync(grant.Grant.Id)).Grant.ExpiresAt);
        await w.DirectMessageAsync(People.Ana, "is extended");

        w.Clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(2));
        await SettleAsync();
        Assert.True(w.Provider.Active.ContainsKey(grant.Grant.Id.Value), "still active past the old end");
        Assert.Equal(GrantState.Active, (await GrantAsync(grant.Grant.Id)).Grant.State);

        w.Clock.Advance(TimeSpan.FromHours(1));
        await w.DirectMessageAsync(People.Ana, "expired", TimeSpan.FromSeconds(30));
        Assert.False(w.Provider.Active.ContainsKey(grant.Grant.Id.Value));
        Assert.Equal(GrantState.Expired, (await GrantAsync(grant.Grant.Id)).Grant.State);
    }

    [Fact]
    public async Task Extend_BeyondTheRulesMaximum_OrSomeoneElsesGrant_IsRefused_AndNothingChanges()
    {
        var grant = await StagingGrantAsync();
        var end = grant.Grant.ExpiresAt;

        Assert.Contains("the policy allows at most 8 hours", await w.AskAsync(People.Ana, $"extend {grant.Grant.Id.Short} by 7h"));
        // Someone else's grant is not one they can act on, whoever asks: its id names nothing of theirs.
        Assert.Contains("no grant", await w.AskAsync(People.Ben, $"extend {grant.Grant.Id.Short} by 1h"));
        var click = await ClickGrantAsync(People.Ben, GrantButtons.ExtendActionId, grant.Grant.Id);
        Assert.Equal(HttpStatusCode.OK, click.StatusCode);
        await w.DirectMessageAsync(People.Ben, "only its holder can extend it");
        Assert.Contains("too short", await w.AskAsync(People.Ana, "extend p3 by 1h"));

        Assert.Equal(end, (await GrantAsync(grant.Grant.Id)).Grant.ExpiresAt);
        Assert.Equal(0, (await GrantAsync(grant.Grant.Id)).Extensions);
    }

    [Fact]
    public async Task Extend_NeedingApproval_GoesToTheTeamsChannel_AndApprovalMovesTheEnd()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        var first = await w.ApprovalPostedAsync();
        await w.ClickAsync(People.Ana, true, first);
        await w.DirectMessageAsync(People.Ben, "You have access");
        var grant = (await Store.GrantsForUserAsync(People.Ben, Workspace.Start, 10, CancellationToken.None)).Single();
        var end = grant.Grant.ExpiresAt;

        var reply = await w.AskAsync(People.Ben, $"extend {grant.Grant.Id.Short} by 1h because the deploy runs late");
        Assert.Contains("needs approval: sent to #payments-access", reply);

        var post = await w.ApprovalPostedAsync(index: 1);
        var message = w.Slack.CallsTo("chat.postMessage").First(c => c.ResponseTs == post.Ts);
        Assert.Contains("Extension request", message.RawBody);
        Assert.Contains($"`{grant.Grant.Id.Short}`", message.RawBody);
        Assert.Contains($"<!date^{end.AddHours(1).ToUnixTimeSeconds()}^", message.RawBody);
        Assert.Equal(end, (await GrantAsync(grant.Grant.Id)).Grant.ExpiresAt);
        // A second ask while one waits sends nothing new.
        Assert.Contains("already waiting for approval", await w.AskAsync(People.Ben, $"extend {grant.Grant.Id.Short} by 1h"));

        await w.ClickAsync(People.Ana, true, post);
        await w.DirectMessageAsync(People.Ben, "is extended (approved by <@U0PAY0001>)");
        var extended = await GrantAsync(grant.Grant.Id);
        Assert.Equal(end.AddHours(1), extended.Grant.ExpiresAt);
        Assert.Equal(1, extended.Extensions);
        await w.UpdatedAsync(post, "Approved");

        w.Clock.Advance(TimeSpan.FromMinutes(65));
        await SettleAsync();
        Assert.True(w.Provider.Active.ContainsKey(grant.Grant.Id.Value), "still active past the old end");
        w.Clock.Advance(TimeSpan.FromHours(1));
        await w.DirectMessageAsync(People.Ben, "expired", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Extend_Denied_LeavesTheEndWhereItWas_AndSaysSo()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        await w.ClickAsync(People.Ana, true, await w.ApprovalPostedAsync());
        await w.DirectMessageAsync(People.Ben, "You have access");
        var grant = (await Store.GrantsForUserAsync(People.Ben, Workspace.Start, 10, CancellationToken.None)).Single();

        await w.AskAsync(People.Ben, $"extend {grant.Grant.Id.Short} by 1h because still deploying");
        var post = await w.ApprovalPostedAsync(index: 1);
        // The holder cannot approve their own extension.
        await w.ClickAsync(People.Ben, true, post);
        Assert.Contains("own request", await w.EphemeralToAsync(People.Ben));
        await w.ClickAsync(People.Ana, false, post);

        await w.DirectMessageAsync(People.Ben, "the grant keeps its end");
        await w.UpdatedAsync(post, "Denied");
        var after = await GrantAsync(grant.Grant.Id);
        Assert.Equal(grant.Grant.ExpiresAt, after.Grant.ExpiresAt);
        Assert.Equal(0, after.Extensions);
    }

    [Fact]
    public async Task Revoke_ByTheHolder_EndsItNow_AndTellsTheTeam()
    {
        var grant = await StagingGrantAsync();

        var reply = await w.AskAsync(People.Ana, $"revoke {grant.Grant.Id.Short}");

        Assert.Contains("is revoked", reply);
        Assert.False(w.Provider.Active.ContainsKey(grant.Grant.Id.Value));
        var stored = await GrantAsync(grant.Grant.Id);
        Assert.Equal(GrantState.Revoked, stored.Grant.State);
        Assert.Equal(People.Ana, stored.RevokedBy);
        await w.DirectMessageAsync(People.Ana, "You revoked your access to `payments-db-staging`");
        await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "chat.postMessage" && x.Channel == People.PaymentsChannel && x.RawBody.Contains("revoked their own access")),
            "the revocation in the team's channel");
        Assert.Contains("already ended", await w.AskAsync(People.Ana, $"revoke {grant.Grant.Id.Value}"));
        var audit = await Store.AuditForRequestAsync(grant.Grant.RequestId.Value, CancellationToken.None);
        Assert.Contains(audit, a => a.Event.Kind == "grant.revoke_requested" && a.Event.Actor == People.Ana);
        Assert.Contains(audit, a => a.Event.Kind == "grant.revoked");
    }

    [Fact]
    public async Task Revoke_ByAnApprover_NeedsAReason_WhichTheHolderSees_AndOthersAreRefused()
    {
        var grant = await StagingGrantAsync(People.Ben);

        // Dev approves nothing of payments: refused, with the same sentence whether or not the grant exists.
        Assert.Contains("no grant", await w.AskAsync(People.Dev, $"revoke {grant.Grant.Id.Short} because I can"));
        var click = await ClickGrantAsync(People.Dev, GrantButtons.RevokeActionId, grant.Grant.Id);
        Assert.Equal(HttpStatusCode.OK, click.StatusCode);
        Assert.Contains("say why", await w.AskAsync(People.Ana, $"revoke {grant.Grant.Id.Short}"));
        Assert.True(w.Provider.Active.ContainsKey(grant.Grant.Id.Value));

        var reply = await w.AskAsync(People.Ana, $"revoke {grant.Grant.Id.Short} because the migration is finished");

        Assert.Contains("is revoked", reply);
        await w.DirectMessageAsync(People.Ben, "<@U0PAY0001> revoked your access to `payments-db-staging`");
        await w.DirectMessageAsync(People.Ben, "the migration is finished");
        await w.DirectMessageAsync(People.Ana, "You revoked <@U0PAY0002>'s access");
        Assert.Equal(GrantState.Revoked, (await GrantAsync(grant.Grant.Id)).Grant.State);
        Assert.DoesNotContain(w.Slack.Calls, c => c.Method == "chat.postMessage" && c.Channel == People.Dev && c.RawBody.Contains("revoked"));
    }

    [Fact]
    public async Task AnApproversRevokeNowClick_AsksForTheReasonInAModal()
    {
        var grant = await StagingGrantAsync(People.Ben);
        var payload = w.Bot.Signer.ClickPayload(People.Ana, GrantButtons.RevokeActionId, grant.Grant.Id.Value, "D0DIRECT", "1700000000.000200");
        payload["trigger_id"] = w.Slack.NewTriggerId();
        await w.Bot.SendAsync(w.Bot.Signer.Interaction(payload));
        var opened = (await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "views.open"), "the reason modal")).First(x => x.Method == "views.open");
        Assert.Equal(RevokeReasonModal.Callback, opened.View!["callback_id"]!.GetValue<string>());

        JsonObject Submission(string reason) => new()
        {
            ["type"] = "view_submission",
            ["team"] = new JsonObject { ["id"] = FakeSlack.TeamId, ["domain"] = "acme" },
            ["user"] = new JsonObject { ["id"] = People.Ana, ["team_id"] = FakeSlack.TeamId },
            ["api_app_id"] = FakeSlack.AppId,
            ["trigger_id"] = w.Slack.NewTriggerId(),
            ["view"] = new JsonObject
            {
                ["id"] = opened.Response?["view"]?["id"]?.GetValue<string>() ?? "V0REASON",
                ["type"] = "modal",
                ["callback_id"] = RevokeReasonModal.Callback,
                ["private_metadata"] = grant.Grant.Id.Value,
                ["state"] = new JsonObject { ["values"] = new JsonObject { ["reason"] = new JsonObject { ["reason"] = new JsonObject { ["type"] = "plain_text_input", ["value"] = reason } } } },
            },
        };

        var blank = await w.Bot.SendAsync(w.Bot.Signer.Interaction(Submission("  ")));
        Assert.Contains("\"errors\"", await blank.Content.ReadAsStringAsync());
        Assert.True(w.Provider.Active.ContainsKey(grant.Grant.Id.Value));

        await w.Bot.SendAsync(w.Bot.Signer.Interaction(Submission("incident over")));
        await w.Bot.SendAsync(w.Bot.Signer.Interaction(Submission("incident over"))); // submitted twice
        await w.DirectMessageAsync(People.Ana, "is revoked", TimeSpan.FromSeconds(30));
        // The second submission changes nothing, whether it lands while the revocation runs or after it finished.
        await w.DirectMessageAsync(People.Ana, "; nothing ", TimeSpan.FromSeconds(30));
        await w.DirectMessageAsync(People.Ben, "incident over", TimeSpan.FromSeconds(30));
        Assert.Equal([grant.Grant.Id.Value], w.Provider.Revoked);
    }

    [Fact]
    public async Task TheWarning_ArrivesBeforeTheEnd_WithButtonsThatWork_AfterARestartToo_AndDoubleClicksDoOneThing()
    {
        var grant = await StagingGrantAsync();
        var end = grant.Grant.ExpiresAt;

        w.Clock.Advance(TimeSpan.FromMinutes(100));
        await SettleAsync();
        Assert.DoesNotContain(w.Slack.Calls, c => c.Channel == People.Ana && c.RawBody.Contains("Need more time"));

        w.Clock.Advance(TimeSpan.FromMinutes(11)); // 9 minutes left: inside the 10-minute window
        var warning = await w.DirectMessageAsync(People.Ana, "Need more time");
        Assert.Equal(grant.Grant.Id.Value, warning.ButtonValue(GrantButtons.ExtendActionId));
        Assert.Equal(grant.Grant.Id.Value, warning.ButtonValue(GrantButtons.RevokeActionId));
        Assert.Contains($"<!date^{end.ToUnixTimeSeconds()}^", warning.RawBody);

        await w.RestartAsync(whileStopped: () => { });
        Task<HttpResponseMessage> ClickWarning() => w.Bot.SendAsync(w.Bot.Signer.Click(People.Ana, GrantButtons.ExtendActionId, grant.Grant.Id.Value,
            warning.ResponseChannel!, warning.ResponseTs!));
        var first = ClickWarning();
        var second = ClickWarning();
        await Task.WhenAll(first, second);
        await w.DirectMessageAsync(People.Ana, "is extended by 1 hour");
        // The warning itself now says what happened, without its buttons.
        var retired = (await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "chat.update" && x.Arg("ts") == warning.ResponseTs), "the warning rewritten"))
            .Last(x => x.Method == "chat.update" && x.Arg("ts") == warning.ResponseTs);
        Assert.Contains("is extended", retired.RawBody);
        Assert.Null(retired.ButtonValue(GrantButtons.ExtendActionId));
        await SettleAsync();
        var extended = await GrantAsync(grant.Grant.Id);
        Assert.Equal(end.AddHours(1), extended.Grant.ExpiresAt);
        Assert.Equal(1, extended.Extensions);

        // The new end is warned about again, once.
        w.Clock.Advance(TimeSpan.FromMinutes(61)); // 8 minutes before the new end
        await w.Slack.WaitForAsync(c => c.Count(x => x.Channel == People.Ana && x.RawBody.Contains("Need more time")) == 2, "a second warning");
        w.Clock.Advance(TimeSpan.FromMinutes(1));
        await SettleAsync();
        Assert.Equal(2, w.Slack.Calls.Count(x => x.Channel == People.Ana && x.RawBody.Contains("Need more time")));

        await ClickGrantAsync(People.Ana, GrantButtons.RevokeActionId, grant.Grant.Id);
        await w.DirectMessageAsync(People.Ana, "You revoked your access");
        Assert.Equal(GrantState.Revoked, (await GrantAsync(grant.Grant.Id)).Grant.State);
        Assert.False(w.Provider.Active.ContainsKey(grant.Grant.Id.Value));
    }
}
