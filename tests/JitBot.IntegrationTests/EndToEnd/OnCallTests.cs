using JitBot.SlackApp;
using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>
/// On-call auto-approval scoped to the resources a rule names (examples/policies/rules/on-call.yaml), through the
/// real host and the fake Slack: the checkout on-call gets the checkout services at once and asks for the rest;
/// membership is Slack's, read when the request is made (cached for <see cref="SlackGroupDirectory.CacheFor"/>)
/// and again at each click (never cached).
/// </summary>
public sealed class OnCallTests : WorkspaceTests
{
    [Fact]
    public async Task TheOnCall_IsAutoApproved_ForTheRulesResources_AndAsksForTheOthers()
    {
        var api = await w.AskAsync(People.Lea, "checkout-api-prod for 1h because INC-77 checkout errors", "C0CHECKOUT", "checkout");
        Assert.Contains("approved for 1 hour", api);
        var config = await w.AskAsync(People.Lea, "checkout-config-prod for 1h because INC-77 flip a flag", "C0CHECKOUT", "checkout");
        Assert.Contains($"sent to {People.CheckoutChannel}, waiting for <!subteam^{People.CheckoutOncall}>", config);
        var db = await w.AskAsync(People.Lea, "checkout-db for 1h because INC-77 stuck orders", "C0CHECKOUT", "checkout");
        Assert.Contains($"sent to {People.CheckoutChannel}", db);

        await w.ApprovalPostedAsync(People.CheckoutChannel, index: 1);
        await w.DirectMessageAsync(People.Lea, "You have access to `checkout-api-prod`");
        Assert.Equal([(People.Lea, "checkout-api-prod")], w.Provider.Active.Values.Select(g => (g.UserId, g.Resource.Id)));
    }

    [Fact]
    public async Task SomeoneTakenOffTheOnCallInSlack_IsNoLongerAutoApproved_NorCountsAsAnApprover()
    {
        Assert.Contains("approved for", await w.AskAsync(People.Lea, "checkout-worker-prod for 1h because INC-78 backlog", "C0CHECKOUT", "checkout"));
        await w.DirectMessageAsync(People.Lea, "You have access to `checkout-worker-prod`");
        await w.AskAsync(People.Kai, "checkout-api-prod for 1h because deploy check", "C0CHECKOUT", "checkout");
        var post = await w.ApprovalPostedAsync(People.CheckoutChannel);

        w.Slack.SetGroup(People.CheckoutOncall, People.Max); // Lea's shift ends (e.g. PagerDuty syncs the group)

        // The click is checked with Slack at that moment, whatever the request-time cache still says.
        await w.ClickAsync(People.Lea, approve: true, post);
        Assert.Contains("not", await w.EphemeralToAsync(People.Lea));
        Assert.Equal(0, await w.GrantsAsync(post.RequestId));

        // The next request, once the group cache has passed, is not auto-approved.
        w.Clock.Advance(SlackGroupDirectory.CacheFor);
        var again = await w.AskAsync(People.Lea, "checkout-api-prod for 1h because INC-78 backlog", "C0CHECKOUT", "checkout");
        Assert.Contains($"sent to {People.CheckoutChannel}, waiting for <!subteam^{People.CheckoutOncall}>", again);

        // Max, still on call, approves Kai's request.
        await w.ClickAsync(People.Max, approve: true, post);
        await w.DirectMessageAsync(People.Kai, "You have access to `checkout-api-prod`");
        Assert.Equal([(People.Kai, "checkout-api-prod"), (People.Lea, "checkout-worker-prod")],
            w.Provider.Active.Values.Select(g => (g.UserId, g.Resource.Id)).Order());
    }
}
