using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Requests;
using JitBot.SlackApp;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.EndToEnd;

public sealed class LiteDbAccessListAndHomeTests : AccessListAndHomeTests
{
    protected override BotStorage NewStorage() => BotStorage.LiteDb();
}

public sealed class PostgresAccessListAndHomeTests : AccessListAndHomeTests
{
    protected override BotStorage NewStorage() => BotStorage.Postgres();
}

/// <summary>
/// <c>/access list</c> and the App Home through the real host, the example policies, each store and the fake Slack:
/// what a person has, what waits for them, with short ids and date tokens; the Home tab published when it is opened
/// and again after each change, every payload within Slack's Block Kit and view rules.
/// </summary>
public abstract partial class AccessListAndHomeTests : WorkspaceTests
{
    int events;

    protected abstract BotStorage NewStorage();

    protected override async Task<Workspace> StartWorkspaceAsync()
    {
        var started = await Workspace.StartAsync(storage: NewStorage);
        started.Slack.Clock = started.Clock;
        return started;
    }

    [Fact]
    public async Task List_ShowsActivePendingRecentAndWaiting_WithShortIdsAndDates()
    {
        var granted = await w.AskAsync(People.Ana, "payments-db-staging for 2h because checking a migration");
        var grantId = ShortId(granted, "grant");
        var pending = await w.AskAsync(People.Ben, "payments-api-prod for 1h because INC-4312 payouts stuck");
        var requestId = ShortId(pending, "Request");
        await w.ApprovalPostedAsync();
        Assert.Contains("denied", await w.AskAsync(People.Eve, "payments-db for 1h because curious"));
        w.Clock.Advance(TimeSpan.FromMinutes(5));

        var ana = await ListAsync(People.Ana);
        Assert.Contains("Active grants", ana);
        Assert.Contains($"`payments-db-staging` · grant `{grantId}` · *1 hour, 55 minutes left*, until <!date^{Workspace.Start.AddHours(2).ToUnixTimeSeconds()}^", ana);
        Assert.Contains("(in 1 hour, 55 minutes)", ana);
        // Ana is in @payments-oncall: Ben's request waits for her, with who asked, when, why and where to decide.
        Assert.Contains("Waiting for your approval", ana);
        Assert.Contains($"`payments-api-prod` · request `{requestId}` · from <@{People.Ben}> for 1 hour, asked <!date^{Workspace.Start.ToUnixTimeSeconds()}^", ana);
        Assert.Contains("(5 minutes ago): \"INC-4312 payouts stuck\" · decide in #payments-access", ana);

        var ben = await ListAsync(People.Ben);
        Assert.Contains("Your pending requests", ben);
        Assert.Contains($"`payments-api-prod` · request `{requestId}` · waiting for <!subteam^{People.PaymentsOncall}> in #payments-access, asked <!date^", ben);
        Assert.DoesNotContain("Waiting for your approval", ben); // his own request never waits for him
        Assert.DoesNotContain("Active grants", ben);

        var eve = await ListAsync(People.Eve);
        var denied = Assert.Single(Regex.Matches(eve, @"`payments-db` · request `([0-9a-z]{6})` · denied by the policy <!date\^\d+\^[^>]+> \(5 minutes ago\)"));
        Assert.Contains("Ended in the last 7 days", eve);

        // Dev approves nothing of payments and has nothing: the empty list says what to do.
        var dev = await ListAsync(People.Dev);
        Assert.Contains("You have no active grants", dev);
        Assert.Contains("`/access resources` shows what you can ask for", dev);

        // The short ids shown are the ones commands take.
        Assert.Equal(6, denied.Groups[1].Value.Length);
    }

    [Fact]
    public async Task AppHome_IsPublishedWhenOpened_AndAgainAfterEachChange()
    {
        // Ana opens her Home tab before anything happens: nothing waits for her yet.
        await OpenHomeAsync(People.Ana);
        var anaHome = await HomeAsync(People.Ana, 1);
        Assert.Contains(AppHomeView.RequestAccessActionId, anaHome);
        Assert.DoesNotContain("Waiting for your approval", anaHome);

        var pending = await w.AskAsync(People.Ben, "payments-api-prod for 1h because INC-4312 payouts stuck");
        var requestId = ShortId(pending, "Request");
        var post = await w.ApprovalPostedAsync();

        // The request appears on Ana's open page: it waits for her group.
        anaHome = await HomeAsync(People.Ana, 2);
        Assert.Contains("Waiting for your approval", anaHome);
        Assert.Contains($"request `{requestId}` · from <@{People.Ben}>", anaHome);

        await OpenHomeAsync(People.Ben);
        var benHome = await HomeAsync(People.Ben, 1);
        Assert.Contains($"`payments-api-prod` · request `{requestId}` · waiting for", benHome);
        Assert.Contains("open_request_form", benHome);
        Assert.DoesNotContain(AppHomeView.RevokeActionId, benHome);

        Assert.Equal(HttpStatusCode.OK, (await w.ClickAsync(People.Ana, approve: true, post)).StatusCode);
        await w.DirectMessageAsync(People.Ben, "You have access to `payments-api-prod`");

        // Ben's page now shows the grant with time left and its buttons (full grant id as the value).
        var grantId = (await w.Bot.Services.GetRequiredService<JitBot.Storage.IAccessStore>()
            .FindGrantByRequestAsync(new JitBot.Requests.RequestId(post.RequestId), CancellationToken.None))!.Grant.Id;
        benHome = await HomeWhereAsync(People.Ben, h => h.Contains(AppHomeView.RevokeActionId), "Ben's page with his grant");
        Assert.Contains($"`payments-api-prod` · grant `{grantId.Short}` · *1 hour left*, until <!date^", benHome);
        Assert.Contains($"\n{grantId.Value}\n", benHome);
        Assert.Contains(AppHomeView.ExtendActionId, benHome);
        Assert.DoesNotContain($"request `{requestId}` · waiting", benHome);
        // The decided request left Ana's page.
        await HomeWhereAsync(People.Ana, h => !h.Contains($"request `{requestId}`"), "Ana's page without the decided request");

        // At expiry the grant moves to the recent ones, without buttons.
        w.Clock.Advance(TimeSpan.FromMinutes(61));
        await w.DirectMessageAsync(People.Ben, "expired");
        benHome = await HomeWhereAsync(People.Ben, h => h.Contains($"grant `{grantId.Short}` · expired"), "Ben's page after the expiry");
        Assert.DoesNotContain(AppHomeView.RevokeActionId, benHome);
        Assert.Contains($"grant `{grantId.Short}` · expired <!date^", benHome);

        // Someone who never opened the Home tab gets no page published.
        Assert.Null(w.Slack.Home(People.Hana));
        Assert.All(w.Slack.CallsTo("views.publish"), c => Assert.Empty(FakeSlack.CheckView(c.View!)));
    }

    [Fact]
    public async Task AppHome_OfAnotherWorkspace_OrTheMessagesTab_PublishesNothing()
    {
        await SendEventAsync(new JsonObject { ["type"] = AppHomeOpenedHandler.Type, ["user"] = People.Ben, ["tab"] = "messages" });
        await SendEventAsync(new JsonObject { ["type"] = AppHomeOpenedHandler.Type, ["user"] = People.Ana, ["tab"] = "home" }, teamId: "T0OTHER");
        await OpenHomeAsync(People.Dev);

        var dev = await HomeAsync(People.Dev, 1);
        Assert.Contains("Your access", dev);
        Assert.Null(w.Slack.Home(People.Ben));
        Assert.Null(w.Slack.Home(People.Ana));
    }

    [Fact]
    public async Task List_WhenSlackIsSlowToSayWhoIsInWhichGroup_AnswersWithoutTheGroups_AndSaysSo()
    {
        var requestId = ShortId(await w.AskAsync(People.Ben, "payments-api-prod for 1h because INC-4312 payouts stuck"), "Request");
        await w.ApprovalPostedAsync();
        w.Clock.Advance(TimeSpan.FromMinutes(2)); // past the group directory's cache

        string ana;
        using (var held = w.Slack.Hold("usergroups.users.list"))
        {
            var listing = ListAsync(People.Ana);
            await held.Arrived.WaitAsync(TimeSpan.FromSeconds(20));
            await Task.Delay(200); // the budget's timer starts right after the question
            Assert.False(listing.IsCompleted);
            w.Clock.Advance(MyAccess.GroupLookupBudget);
            ana = await listing.WaitAsync(TimeSpan.FromSeconds(20));
        }

        Assert.Contains("could not check your Slack user groups just now", ana);
        Assert.DoesNotContain(requestId, ana);
        // Once Slack answers again, the request waiting for her group is back.
        Assert.Contains($"request `{requestId}` · from", await ListAsync(People.Ana));
    }

    [Fact]
    public async Task AppHome_ThatCannotBePublished_NeverHoldsUpTheNotices()
    {
        await OpenHomeAsync(People.Ben);
        await HomeAsync(People.Ben, 1);
        w.Slack.Fail("views.publish", "internal_error");

        await w.AskAsync(People.Ben, "payments-api-prod for 1h because INC-4312 payouts stuck");
        var post = await w.ApprovalPostedAsync();
        await w.ClickAsync(People.Ana, approve: true, post);
        await w.DirectMessageAsync(People.Ben, "You have access to `payments-api-prod`");
        var store = w.Bot.Services.GetRequiredService<JitBot.Storage.IAccessStore>();
        for (var tries = 0; await store.UndeliveredCountAsync(CancellationToken.None) > 0; tries++)
        {
            Assert.True(tries < 200, "The notices were held up by the failing App Home.");
            await Task.Delay(50);
        }
        Assert.True(w.Slack.CallsTo("views.publish").Count >= 2, "The refresh was never tried.");

        // Opened again once Slack takes pages, it shows the grant.
        w.Slack.Fail("views.publish", null);
        await OpenHomeAsync(People.Ben);
        await HomeWhereAsync(People.Ben, h => h.Contains(AppHomeView.RevokeActionId), "Ben's page with his grant");
    }

    /// <summary>Types <c>/access list</c>; checks the reply as Slack would and returns its blocks' text.</summary>
    async Task<string> ListAsync(string user)
    {
        var response = await w.Bot.SendAsync(w.Bot.Signer.Command(user, "list", "C0PAYMENTS", "payments"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        var json = JsonNode.Parse(raw)!;
        Assert.Equal("ephemeral", (string?)json["response_type"]);
        var asMessage = new SlackCall("command.reply", null, raw, json, new Dictionary<string, string>(), 0);
        Assert.Empty(FakeSlack.CheckMessage(asMessage));
        return Strings(json["blocks"]);
    }

    Task OpenHomeAsync(string user) =>
        SendEventAsync(new JsonObject { ["type"] = AppHomeOpenedHandler.Type, ["user"] = user, ["channel"] = "D0" + user[1..], ["tab"] = "home" });

    async Task SendEventAsync(JsonObject inner, string teamId = FakeSlack.TeamId)
    {
        var envelope = w.Bot.Signer.EventEnvelope(inner, $"Ev0HOME{Interlocked.Increment(ref events):D4}", teamId);
        Assert.Equal(HttpStatusCode.OK, (await w.Bot.SendAsync(w.Bot.Signer.Event(envelope))).StatusCode);
    }

    /// <summary>Waits for the <paramref name="nth"/> page published for <paramref name="user"/> and returns it as JSON text.</summary>
    async Task<string> HomeAsync(string user, int nth)
    {
        var calls = await w.Slack.WaitForAsync(c => Publishes(c, user).Count >= nth, $"{nth} App Home page(s) for {user}");
        return Strings(Publishes(calls, user)[nth - 1].View);
    }

    async Task<string> HomeWhereAsync(string user, Func<string, bool> holds, string what)
    {
        var calls = await w.Slack.WaitForAsync(c => Publishes(c, user).Any(p => holds(Strings(p.View))), what);
        return Strings(Publishes(calls, user).Last(p => holds(Strings(p.View))).View);
    }

    /// <summary>Every string in a JSON tree (texts, action ids, button values), one a line, as written.</summary>
    static string Strings(JsonNode? node) => node switch
    {
        JsonObject o => string.Join("\n", o.Select(p => Strings(p.Value))),
        JsonArray a => string.Join("\n", a.Select(Strings)),
        JsonValue v when v.TryGetValue<string>(out var text) => text,
        _ => "",
    };

    static List<SlackCall> Publishes(IReadOnlyList<SlackCall> calls, string user) =>
        calls.Where(c => c.Method == "views.publish" && c.Arg("user_id") == user).ToList();

    static string ShortId(string reply, string noun) =>
        IdIn().Matches(reply).Where(m => m.Groups[1].Value == noun).Select(m => m.Groups[2].Value).First();

    [GeneratedRegex("(grant|Request|request) `([0-9a-z]{6})`")]
    private static partial Regex IdIn();
}
