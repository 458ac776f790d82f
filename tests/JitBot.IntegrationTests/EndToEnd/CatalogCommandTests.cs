using JitBot.IntegrationTests.Infrastructure;
using JitBot.SlackApp;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary><c>/access explain</c> and <c>/access resources</c> end to end: the real host, the example policy, the fake Slack.</summary>
public sealed class CatalogCommandTests : WorkspaceTests
{
    [Fact]
    public async Task Explain_NeedingApproval_NamesTheApprovers_TheCap_TheReason_TheRules_AndTheTags()
    {
        var reply = RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ben, "explain payments-db for 1d"));
        var text = (string)reply["text"]!;

        Assert.Contains("would need approval from 2 of @payments-oncall, once you give a reason", text);
        Assert.Contains("asked in #payments-access", text);
        Assert.Contains("*Duration:* 2 hours (you asked for 1 day; capped by `restricted-data-two-approvers`); at most 2 hours", text);
        Assert.Contains("*Reason:* required. A reason is required (rule owners-to-their-production).", text);
        Assert.Contains("`owners-to-their-production` (allow)", text);
        Assert.Contains("`restricted-data-two-approvers` (guard)", text);
        Assert.Contains("`data-class=restricted`", text);
        Assert.Contains("*Your tags:* `employment=staff`", text);
        Assert.Contains("nothing was requested", text);
        Assert.DoesNotContain("<!subteam", text); // a preview pings nobody
        Assert.Empty(await w.RequestsOfAsync(People.Ben));
    }

    [Fact]
    public async Task Explain_Automatic_SaysAtOnce_WithTheDefaultAndTheMaximum()
    {
        var text = (string)RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ben, "explain payments-db-staging"))["text"]!;

        Assert.Contains(":white_check_mark: If you asked for `payments-db-staging` now, you would get it at once.", text);
        Assert.Contains("*Duration:* 2 hours by default; at most 8 hours.", text);
        Assert.Contains("*Reason:* not required", text);
        Assert.Contains("To ask: `/access payments-db-staging`", text);
    }

    [Fact]
    public async Task Explain_ADenyRule_Wins_AndSaysSo()
    {
        var text = (string)RequestFormDriver.Ephemeral(await w.CommandAsync(People.Eve, "explain payments-db"))["text"]!;

        Assert.Contains(":no_entry: If you asked for `payments-db` now, it would be denied.", text);
        Assert.Contains("Denied by rule no-contractors-on-restricted. Contractors cannot get access to restricted data.", text);
        Assert.Contains("A deny rule always wins", text);
        Assert.Contains("`no-contractors-on-restricted` (deny)", text);
    }

    [Fact]
    public async Task Explain_AnUnknownResource_SuggestsTheClosest_AndAResourceInAnotherCaseIsFound()
    {
        var unknown = (string)RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ben, "explain payment-db"))["text"]!;
        var cased = (string)RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ben, "explain Payments-DB-Staging"))["text"]!;

        Assert.Contains("There is no resource called `payment-db`. Did you mean `payments-db`", unknown);
        Assert.Contains("you would get it at once", cased);
    }

    [Fact]
    public async Task Explain_WithAReason_SaysItTakesNone()
    {
        var text = (string)RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ben, "explain payments-db because reasons"))["text"]!;

        Assert.Contains("`/access explain` takes no reason", text);
    }

    [Fact]
    public async Task Resources_ListsWhatICanAskFor_AndHow_FilteredByEveryTag()
    {
        var reply = RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ben, "resources owner-team:payments env:prod*"));
        var all = RequestFormDriver.AllText(reply);

        Assert.Contains("You can ask for", (string)reply["text"]!);
        Assert.Contains("`payments-db`: Payments PostgreSQL (production) · *approval:* 2 of @payments-oncall · reason required", all);
        Assert.Contains("`payments-api-prod`", all);
        Assert.DoesNotContain("payments-db-staging", all);
        Assert.DoesNotContain("k8s-prod", all);
        Assert.DoesNotContain("<!subteam", all);
    }

    [Fact]
    public async Task Resources_CountsWhatIsNotOpenToMe_WithoutListingIt()
    {
        var reply = RequestFormDriver.Ephemeral(await w.CommandAsync(People.Eve, "resources owner-team:payments"));
        var all = RequestFormDriver.AllText(reply);

        Assert.Matches("not open to you", (string)reply["text"]!);
        Assert.DoesNotContain("`payments-db`:", all);
        Assert.DoesNotContain("`ledger-db`:", all);
        Assert.Contains("`payments-db-dev`", all);
    }

    [Fact]
    public async Task Resources_AFilterThatMatchesNothing_SaysWhichValuesExist()
    {
        var value = (string)RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ben, "resources env:prod"))["text"]!;
        var tag = (string)RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ben, "resources envv:production"))["text"]!;
        var syntax = (string)RequestFormDriver.Ephemeral(await w.CommandAsync(People.Ben, "resources production"))["text"]!;

        Assert.Contains("No resource has `env` `prod`; its values are `dev`, `production`, `staging`", value);
        Assert.Contains("`env:prod*`", value);
        Assert.Contains("No resource has the tag `envv`", tag);
        Assert.Contains("\"production\" is not a filter", syntax);
    }

    [Fact]
    public async Task Resources_ABigCatalog_IsBounded_AndSaysHowToNarrowIt()
    {
        using var policy = BigCatalog.Copy(150);
        await using var big = await Workspace.StartAsync(settings: new Dictionary<string, string?> { ["Policies:Path"] = policy.Dir });

        var reply = RequestFormDriver.Ephemeral(await big.CommandAsync(People.Ben, "resources"));
        var all = RequestFormDriver.AllText(reply);

        Assert.True(reply["blocks"]!.AsArray().Count <= 50);
        Assert.Contains("…and ", all);
        Assert.Contains("narrow the list with tag:value filters", all);
        Assert.True(all.Split("• ").Length - 1 <= ResourcesReply.MaxListed);
        big.Slack.AssertNoProblems();
    }

    [Theory]
    [InlineData("litedb")]
    [InlineData("postgres")]
    public async Task Previews_StoreNothing_OnEitherStore(string store)
    {
        await using var s = await Workspace.StartAsync(storage: store == "postgres" ? BotStorage.Postgres : BotStorage.LiteDb);

        RequestFormDriver.Ephemeral(await s.CommandAsync(People.Ben, "explain payments-db-staging"));
        RequestFormDriver.Ephemeral(await s.CommandAsync(People.Ben, "resources env:staging"));
        RequestFormDriver.Ephemeral(await s.CommandAsync(People.Ben, "explain payments-db", channelId: "C0INC9", channelName: "inc-9"));

        Assert.Empty(await s.RequestsOfAsync(People.Ben));
        Assert.Null(await s.Bot.Services.GetRequiredService<IAccessStore>().FindGrantByRequestAsync(new JitBot.Requests.RequestId("req_none"), CancellationToken.None));
        Assert.Null(await s.Bot.Services.GetRequiredService<JitBot.Incidents.IncidentService>().CurrentAsync("C0INC9", CancellationToken.None));
    }
}

/// <summary>A copy of the example policy with <c>n</c> more dev resources of the payments team (open to its engineers at once).</summary>
public static class BigCatalog
{
    public static PolicyCopy Copy(int n)
    {
        var copy = new PolicyCopy();
        var lines = new List<string> { "resources:" };
        for (var i = 0; i < n; i++)
            lines.Add($"  - {{id: bulk-{i:D3}, description: Bulk dev box {i}, tags: {{env: dev, owner-team: payments, data-class: internal, kind: service}}, provider: {{type: record}}}}");
        File.WriteAllText(Path.Combine(copy.Dir, "bulk.yaml"), string.Join('\n', lines) + "\n");
        return copy;
    }
}
