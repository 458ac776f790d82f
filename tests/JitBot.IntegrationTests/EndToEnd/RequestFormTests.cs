using JitBot.IntegrationTests.Infrastructure;
using JitBot.Policies;
using JitBot.SlackApp;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>
/// The request form end to end: <c>/access</c> alone opens it with the command's trigger id, its choices are what the
/// person may ask for, a submission is decided again and stored like <c>/access</c> (its answer by direct message),
/// problems show under their fields, a double submission makes one request, an expired trigger gets the text grammar,
/// a large catalog uses an external select, and App Home's button opens the same form.
/// </summary>
public sealed class RequestFormTests
{
    static Func<BotStorage> Store(string store) => store == "postgres" ? BotStorage.Postgres : BotStorage.LiteDb;

    [Fact]
    public async Task AccessAlone_OpensTheForm_WithOnlyWhatThePersonMayAskFor_AndHow()
    {
        await using var w = await Workspace.StartAsync();

        var (_, ben) = await w.OpenFormAsync(People.Ben);
        var (_, eve) = await w.OpenFormAsync(People.Eve);

        Assert.Equal(RequestForm.CallbackId, (string?)ben["callback_id"]);
        Assert.Equal("static_select", (string?)RequestFormDriver.Picker(ben)["type"]);
        Assert.Contains("payments-db", RequestFormDriver.Choices(ben));
        Assert.Contains("payments-db-staging", RequestFormDriver.Choices(ben));
        Assert.DoesNotContain("payments-db", RequestFormDriver.Choices(eve));
        Assert.DoesNotContain("ledger-db", RequestFormDriver.Choices(eve));
        Assert.Contains("payments-db-dev", RequestFormDriver.Choices(eve));
        var options = RequestFormDriver.Picker(ben)["options"]!.AsArray();
        var described = (string)options.Single(o => (string?)o!["value"] == "payments-db")!["description"]!["text"]!;
        Assert.StartsWith("approval: 2 of @payments-oncall · reason · data-class=restricted", described);
        Assert.True(described.Length <= 75);
        Assert.StartsWith("at once · data-class=internal env=staging",
            (string?)options.Single(o => (string?)o!["value"] == "payments-db-staging")!["description"]!["text"]);
        w.Slack.AssertNoProblems();
    }

    [Theory]
    [InlineData("litedb")]
    [InlineData("postgres")]
    public async Task ASubmittedForm_IsStoredLikeATypedRequest_AndAnsweredByDirectMessage(string store)
    {
        await using var w = await Workspace.StartAsync(storage: Store(store));
        var (viewId, _) = await w.OpenFormAsync(People.Ben);

        var ack = await w.SubmitFormAsync(People.Ben, viewId, "payments-db-staging", duration: "1h", reason: "check the migration", ticket: "CHG-7");

        Assert.Equal("clear", (string?)ack?["response_action"]);
        await w.DirectMessageAsync(People.Ben, "Access to `payments-db-staging` granted for 1 hour");
        var request = Assert.Single(await w.RequestsOfAsync(People.Ben));
        Assert.Equal("check the migration (ticket: CHG-7)", request.Reason);
        Assert.Equal(TimeSpan.FromHours(1), request.RequestedDuration);
        Assert.Equal("C0PAYMENTS", request.ChannelId);

        var (second, _) = await w.OpenFormAsync(People.Ben);
        Assert.Equal("clear", (string?)(await w.SubmitFormAsync(People.Ben, second, "payments-db", reason: "INC-4312 payouts stuck"))?["response_action"]);
        await w.DirectMessageAsync(People.Ben, "sent to #payments-access");
        await w.ApprovalPostedAsync();
        w.Slack.AssertNoProblems();
    }

    [Fact]
    public async Task Problems_AreShownUnderTheirFields_AndNothingIsStored_UntilTheFormIsRight()
    {
        await using var w = await Workspace.StartAsync();
        var (viewId, _) = await w.OpenFormAsync(People.Ben);

        Assert.Equal("Choose the resource you need.", RequestFormDriver.FieldErrors(await w.SubmitFormAsync(People.Ben, viewId, null))["resource"]);
        Assert.Contains("no longer in the catalog", RequestFormDriver.FieldErrors(await w.SubmitFormAsync(People.Ben, viewId, "nope-db"))["resource"]);
        Assert.Contains("A reason is required", RequestFormDriver.FieldErrors(await w.SubmitFormAsync(People.Ben, viewId, "payments-db"))["reason"]);
        Assert.Contains("minute", RequestFormDriver.FieldErrors(await w.SubmitFormAsync(People.Ben, viewId, "payments-db-staging", duration: "20s"))["duration"]);
        Assert.Equal("payments-db-staging can be granted for at most 8 hours. Ask for that or less.",
            RequestFormDriver.FieldErrors(await w.SubmitFormAsync(People.Ben, viewId, "payments-db-staging", duration: "1d"))["duration"]);
        Assert.Contains("could not be checked", RequestFormDriver.FieldErrors(await w.SubmitFormAsync(People.Ben, viewId, "payments-db-staging",
            tamper: p => { p["view"]!["private_metadata"] = p["view"]!["private_metadata"]!.GetValue<string>().Replace("C0PAYMENTS", "C0INCIDNT"); return p; }))["resource"]);
        Assert.Empty(await w.RequestsOfAsync(People.Ben));

        // The same form, once right, makes its request.
        Assert.Equal("clear", (string?)(await w.SubmitFormAsync(People.Ben, viewId, "payments-db-staging", duration: "2h"))?["response_action"]);
        await w.DirectMessageAsync(People.Ben, "Access to `payments-db-staging` granted for 2 hours");
        Assert.Single(await w.RequestsOfAsync(People.Ben));
    }

    [Fact]
    public async Task AResourceThePersonMayNotHave_IsRefusedOnItsField_EvenWhenTheClientSendsIt()
    {
        await using var w = await Workspace.StartAsync();
        var (viewId, _) = await w.OpenFormAsync(People.Eve);

        var errors = RequestFormDriver.FieldErrors(await w.SubmitFormAsync(People.Eve, viewId, "payments-db", reason: "please"));

        Assert.Contains("You can no longer ask for payments-db: Denied by rule no-contractors-on-restricted", errors["resource"]);
        Assert.Empty(await w.RequestsOfAsync(People.Eve));
    }

    [Theory]
    [InlineData("litedb")]
    [InlineData("postgres")]
    public async Task AFormSubmittedTwice_MakesOneRequest(string store)
    {
        await using var w = await Workspace.StartAsync(storage: Store(store));
        var (viewId, _) = await w.OpenFormAsync(People.Ben);

        var both = await Task.WhenAll(
            w.SubmitFormAsync(People.Ben, viewId, "payments-db-staging"),
            w.SubmitFormAsync(People.Ben, viewId, "payments-db-staging"));
        var third = await w.SubmitFormAsync(People.Ben, viewId, "payments-db-staging");

        Assert.All(both.Append(third), ack => Assert.Equal("clear", (string?)ack?["response_action"]));
        await w.DirectMessageAsync(People.Ben, "Access to `payments-db-staging` granted");
        Assert.Single(await w.RequestsOfAsync(People.Ben));
        Assert.Single(w.Provider.Granted);
    }

    [Fact]
    public async Task AnExpiredTrigger_GetsTheTextGrammar_Instead()
    {
        await using var w = await Workspace.StartAsync();
        w.Slack.Clock = w.Clock;
        var trigger = w.Slack.NewTriggerId();
        w.Clock.Advance(TimeSpan.FromSeconds(4));

        var reply = RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ben, "", triggerId: trigger));

        Assert.Contains("The request form could not open, so here is how to ask by typing.", (string)reply["text"]!);
        Assert.Contains("/access &lt;resource&gt; [for &lt;duration&gt;] [because &lt;reason&gt;]", (string)reply["text"]!);
        Assert.Equal("expired_trigger_id", (string?)Assert.Single(w.Slack.CallsTo("views.open")).Response?["error"]);
        Assert.Contains("*Ask for access:*", (string)RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ben, "help"))["text"]!);
    }

    [Fact]
    public async Task ThePolicyChangedBetweenOpeningAndSubmitting_TheFormIsDecidedAgain()
    {
        using var policy = new PolicyCopy();
        await using var w = await Workspace.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Policies:Path"] = policy.Dir,
            ["Policies:ReloadSeconds"] = "0",
        });
        var (viewId, view) = await w.OpenFormAsync(People.Ben);
        Assert.Contains("payments-db-staging", RequestFormDriver.Choices(view));

        File.WriteAllText(Path.Combine(policy.Dir, "rules", "freeze.yaml"),
            "rules:\n  - {id: staging-freeze, effect: deny, when: {resource: {env: staging}}, message: Staging is frozen for the release.}\n");
        Assert.NotNull(w.Bot.Services.GetRequiredService<PolicySource>().Reload().Snapshot);

        var errors = RequestFormDriver.FieldErrors(await w.SubmitFormAsync(People.Ben, viewId, "payments-db-staging"));

        Assert.Contains("You can no longer ask for payments-db-staging: Denied by rule staging-freeze. Staging is frozen for the release.", errors["resource"]);
        Assert.Empty(await w.RequestsOfAsync(People.Ben));
        Assert.DoesNotContain("payments-db-staging", RequestFormDriver.Choices((await w.OpenFormAsync(People.Ben)).View));
    }

    [Fact]
    public async Task ALargeCatalog_UsesAnExternalSelect_FilledAsThePersonTypes()
    {
        using var policy = BigCatalog.Copy(150);
        await using var w = await Workspace.StartAsync(settings: new Dictionary<string, string?> { ["Policies:Path"] = policy.Dir });
        var (viewId, view) = await w.OpenFormAsync(People.Ben);

        Assert.Equal("external_select", (string?)RequestFormDriver.Picker(view)["type"]);
        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"bulk-0{i}"), await w.SuggestAsync(People.Ben, viewId, "bulk-01"));
        Assert.Equal(100, (await w.SuggestAsync(People.Ben, viewId, "")).Count);
        Assert.Contains("payments-db-staging", await w.SuggestAsync(People.Ben, viewId, "STAGING"));
        Assert.DoesNotContain("payments-db", await w.SuggestAsync(People.Eve, (await w.OpenFormAsync(People.Eve)).ViewId, "payments-db"));
        Assert.Empty(await w.SuggestAsync(People.Eve, viewId, "bulk")); // someone else's form: its metadata is not theirs

        Assert.Equal("clear", (string?)(await w.SubmitFormAsync(People.Ben, viewId, "bulk-012"))?["response_action"]);
        await w.DirectMessageAsync(People.Ben, "Access to `bulk-012` granted");
        w.Slack.AssertNoProblems();
    }

    [Fact]
    public async Task WhenSlackCannotSayWhichGroupsThePersonIsIn_NothingIsGuessed()
    {
        await using var w = await Workspace.StartAsync();
        w.Slack.Fail("usergroups.users.list", "internal_error");

        var form = RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ana, ""));
        var explain = RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ana, "explain payments-db"));
        var resources = RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ana, "resources"));

        Assert.All([form, explain, resources], r => Assert.Contains("could not read your Slack groups just now", (string)r["text"]!));
        Assert.Empty(w.Slack.CallsTo("views.open"));

        w.Slack.Fail("usergroups.users.list", null);
        var (viewId, _) = await w.OpenFormAsync(People.Ana);
        w.Slack.Fail("usergroups.users.list", "internal_error");
        w.Clock.Advance(TimeSpan.FromMinutes(2)); // past the group cache
        Assert.Contains("could not read your Slack groups", RequestFormDriver.FieldErrors(await w.SubmitFormAsync(People.Ana, viewId, "payments-db-staging"))["resource"]);
        Assert.Empty(await w.RequestsOfAsync(People.Ana));
    }

    [Fact]
    public async Task TheRequestAccessButton_OpensTheSameForm_OrSendsTheTextGrammar()
    {
        await using var w = await Workspace.StartAsync();

        var click = await w.ClickRequestAccessAsync(People.Ben);

        Assert.Equal(System.Net.HttpStatusCode.OK, click.StatusCode);
        var opened = Assert.Single(w.Slack.CallsTo("views.open"));
        Assert.Equal(RequestForm.CallbackId, (string?)opened.View!["callback_id"]);
        var viewId = (string)opened.Response!["view"]!["id"]!;
        Assert.Equal("clear", (string?)(await w.SubmitFormAsync(People.Ben, viewId, "payments-db-staging"))?["response_action"]);
        await w.DirectMessageAsync(People.Ben, "Access to `payments-db-staging` granted");
        Assert.Null(Assert.Single(await w.RequestsOfAsync(People.Ben)).ChannelId);

        var stale = w.Slack.NewTriggerId();
        w.Clock.Advance(TimeSpan.FromSeconds(4));
        await w.ClickRequestAccessAsync(People.Ben, stale);
        await w.DirectMessageAsync(People.Ben, "The request form could not open");
        w.Slack.AssertNoProblems();
    }
}
