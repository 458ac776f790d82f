using System.Net;
using System.Text.Json.Nodes;
using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>LiteDB, the embedded store.</summary>
public sealed class LiteDbAccessLoopTests : AccessLoopTests
{
    protected override BotStorage NewStorage() => BotStorage.LiteDb();
}

/// <summary>PostgreSQL, the store for several replicas, with Quartz's clustered job store in the same database.</summary>
public sealed class PostgresAccessLoopTests : AccessLoopTests
{
    protected override BotStorage NewStorage() => BotStorage.Postgres();
}

/// <summary>
/// The Slack loop end to end: signed requests into the real host, the example policies, a real database (each
/// store runs every scenario, by deriving one class), and every Slack call checked by the fake Slack.
/// Asynchronous effects are awaited by polling the fake's recorded calls.
/// </summary>
public abstract class AccessLoopTests : WorkspaceTests
{
    protected abstract BotStorage NewStorage();

    protected override Task<Workspace> StartWorkspaceAsync() => Workspace.StartAsync(storage: NewStorage);

    [Fact]
    public async Task AutoApproved_IsGrantedAtOnce_AndTheRequesterGetsADm()
    {
        var reply = await w.AskAsync(People.Ana, "payments-db-staging for 2h because checking a migration");

        Assert.Contains("approved for 2 hours", reply);
        Assert.Contains($"<!date^{Workspace.Start.AddHours(2).ToUnixTimeSeconds()}^", reply);
        Assert.Contains("(in 2 hours)", reply);
        var dm = await w.DirectMessageAsync(People.Ana, "You have access to `payments-db-staging`");
        Assert.Contains("in 2 hours", dm.RawBody);
        Assert.Single(w.Provider.Active);
        Assert.DoesNotContain(w.Slack.Calls, c => c.Method == "chat.postMessage" && c.Channel == People.PaymentsChannel);
    }

    [Fact]
    public async Task ApprovalRequired_ThenApproved_GrantsAndUpdatesTheMessageInPlace()
    {
        var reply = await w.AskAsync(People.Ben, "payments-api-prod for 1h because INC-4312 payouts stuck");
        Assert.Contains("sent to #payments-access, waiting for <!subteam^S01PAYONC>", reply);

        var post = await w.ApprovalPostedAsync();
        var message = w.Slack.CallsTo("chat.postMessage").First(c => c.ResponseTs == post.Ts);
        Assert.Contains("<@U0PAY0002>", message.RawBody);
        Assert.Contains("`payments-api-prod`", message.RawBody);
        Assert.Contains("INC-4312 payouts stuck", message.RawBody);
        Assert.Contains("owners-to-their-production", message.RawBody);
        Assert.Contains("<#C0PAYMENTS>", message.RawBody);
        Assert.Contains("`env=production`", message.RawBody);
        Assert.Equal(0, w.ProviderGrants);

        var click = await w.ClickAsync(People.Ana, approve: true, post);
        Assert.Equal(HttpStatusCode.OK, click.StatusCode);

        var updated = await w.UpdatedAsync(post, "Approved");
        Assert.Contains("<@U0PAY0001>", updated.RawBody);
        Assert.False(updated.HasButtons);
        await w.DirectMessageAsync(People.Ben, "You have access to `payments-api-prod`");
        Assert.Contains("approved", await w.EphemeralToAsync(People.Ana), StringComparison.OrdinalIgnoreCase);
        await w.Slack.WaitForAsync(_ => w.ThreadReplies(post).Any(r => r.RawBody.Contains("Granted")), "a 'granted' reply in the thread");
        Assert.Equal(1, await w.GrantsAsync(post.RequestId));
        Assert.Single(w.Provider.Active);
    }

    [Fact]
    public async Task Denied_SaysWhy_AndPostsNothing()
    {
        var reply = await w.AskAsync(People.Eve, "payments-db for 1h because curious");

        Assert.Contains("denied", reply);
        Assert.Contains("Contractors cannot get access to restricted data.", reply);
        Assert.DoesNotContain(w.Slack.Calls, c => c.Method == "chat.postMessage");
        Assert.Equal(0, w.ProviderGrants);
    }

    [Fact]
    public async Task UnknownResource_SuggestsTheClosestIds()
    {
        var reply = await w.AskAsync(People.Ben, "payment-db for 1h because x");
        Assert.Contains("no resource called `payment-db`", reply);
        Assert.Contains("`payments-db`", reply);
    }

    [Fact]
    public async Task Help_ExplainsTheGrammar_WithExamplesFromTheLoadedPolicy()
    {
        var reply = await w.AskAsync(People.Ben, "help");
        Assert.Contains("/access &lt;resource&gt; [for &lt;duration&gt;] [because &lt;reason&gt;]", reply);

        var example = System.Text.RegularExpressions.Regex.Match(reply, "`/access ([a-z0-9._-]+) for 1h because");
        Assert.True(example.Success, reply);
        var policy = JitBot.Policies.PolicyLoader.Load(BotHost.PoliciesPath).Snapshot!;
        Assert.Contains(example.Groups[1].Value, policy.ResourceIds);
        Assert.DoesNotContain("staging-k8s", reply);
        Assert.DoesNotContain("grafana-admin", reply);
    }

    [Fact]
    public async Task SelfApproval_IsRefused()
    {
        await w.AskAsync(People.Ana, "payments-db for 1h because INC-77 reconciliation");
        var post = await w.ApprovalPostedAsync();

        await w.ClickAsync(People.Ana, approve: true, post);

        Assert.Contains("own request", await w.EphemeralToAsync(People.Ana));
        Assert.Equal(0, await w.GrantsAsync(post.RequestId));
        Assert.DoesNotContain(w.Slack.Calls, c => c.Method == "chat.update");
    }

    [Fact]
    public async Task NonMember_IsRefused_CheckedAtTheMomentOfTheClick()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        var post = await w.ApprovalPostedAsync();

        await w.ClickAsync(People.Dev, approve: true, post);
        Assert.Contains("not", await w.EphemeralToAsync(People.Dev));

        w.Slack.SetGroup(People.PaymentsOncall, People.Hana); // Ana leaves the on-call group
        await w.ClickAsync(People.Ana, approve: true, post);
        Assert.Contains("not", await w.EphemeralToAsync(People.Ana));

        Assert.Equal(0, await w.GrantsAsync(post.RequestId));
        Assert.Equal(0, w.ProviderGrants);
    }

    [Fact]
    public async Task DoubleClick_GivesOneGrant()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        var post = await w.ApprovalPostedAsync();

        await Task.WhenAll(w.ClickAsync(People.Ana, true, post), w.ClickAsync(People.Ana, true, post));

        await w.EphemeralToAsync(People.Ana, nth: 2);
        await w.DirectMessageAsync(People.Ben, "You have access");
        Assert.Equal(1, await w.GrantsAsync(post.RequestId));
        Assert.Single(w.Provider.Granted);
        Assert.Single(w.Slack.Calls, c => c.Method == "chat.postMessage" && c.Channel == People.Ben);
    }

    [Fact]
    public async Task TwoApproversRacing_GiveOneGrant()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        var post = await w.ApprovalPostedAsync();

        await Task.WhenAll(w.ClickAsync(People.Ana, true, post), w.ClickAsync(People.Hana, true, post));

        await w.EphemeralToAsync(People.Ana);
        await w.EphemeralToAsync(People.Hana);
        await w.DirectMessageAsync(People.Ben, "You have access");
        Assert.Equal(1, await w.GrantsAsync(post.RequestId));
        Assert.Single(w.Provider.Granted);
        Assert.Single(w.Slack.Calls, c => c.Method == "chat.postMessage" && c.Channel == People.Ben);
    }

    [Fact]
    public async Task ApproverReplies_NamePeopleAsMentions_AndTimesAsDateTokens()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        var post = await w.ApprovalPostedAsync();

        await w.ClickAsync(People.Ana, true, post);
        var approved = await w.EphemeralToAsync(People.Ana);
        await w.ClickAsync(People.Hana, true, post);
        var late = await w.EphemeralToAsync(People.Hana);

        Assert.Contains("<@U0PAY0002> has `payments-api-prod` until <!date^", approved);
        Assert.Contains("already approved by <@U0PAY0001> (<!date^", late);
        foreach (var reply in new[] { approved, late })
        {
            var outsideTokens = System.Text.RegularExpressions.Regex.Replace(reply, "<[^>]*>", "");
            Assert.DoesNotContain("UTC", outsideTokens);
            Assert.DoesNotContain("U0PAY000", outsideTokens);
        }
    }

    [Fact]
    public async Task TwoOfN_NeedsTwoDifferentApprovers()
    {
        var reply = await w.AskAsync(People.Ben, "payments-db for 1h because INC-9 ledger mismatch");
        Assert.Contains("2 of <!subteam^S01PAYONC>", reply);
        var post = await w.ApprovalPostedAsync();

        await w.ClickAsync(People.Ana, true, post);
        Assert.Contains("Approved so far by <@U0PAY0001>", (await w.UpdatedAsync(post, "Approved so far")).RawBody);
        await w.EphemeralToAsync(People.Ana);
        Assert.Equal(0, await w.GrantsAsync(post.RequestId));

        await w.ClickAsync(People.Ana, true, post); // the same person again does not count twice
        await w.EphemeralToAsync(People.Ana, nth: 2);
        Assert.Equal(0, await w.GrantsAsync(post.RequestId));

        await w.ClickAsync(People.Hana, true, post);
        var final = await w.UpdatedAsync(post, ":white_check_mark: *Approved*");
        Assert.Contains("<@U0PAY0001>", final.RawBody);
        Assert.Contains("<@U0DAT0002>", final.RawBody);
        await w.DirectMessageAsync(People.Ben, "You have access to `payments-db`");
        Assert.Equal(1, await w.GrantsAsync(post.RequestId));
    }

    [Fact]
    public async Task Deny_RejectsTheRequest_AndTellsTheRequester()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        var post = await w.ApprovalPostedAsync();

        await w.ClickAsync(People.Ana, approve: false, post);

        var updated = await w.UpdatedAsync(post, "Denied");
        Assert.False(updated.HasButtons);
        await w.DirectMessageAsync(People.Ben, "denied your request");
        Assert.Equal(0, await w.GrantsAsync(post.RequestId));
    }

    public static TheoryData<string> BadSignatures => ["unsigned", "forged", "stale"];

    [Theory]
    [MemberData(nameof(BadSignatures))]
    public async Task BadlySignedRequests_Get401_AndChangeNothing(string how)
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        var post = await w.ApprovalPostedAsync();
        var before = await Database.RowCountsAsync(w.Bot);
        var callsBefore = w.Slack.Calls.Count;

        var signed = new[]
        {
            w.Bot.Signer.Command(People.Ana, "payments-db-staging for 1h because x"),
            w.Bot.Signer.Click(People.Ana, "jitbot.approve", post.RequestId, post.Channel, post.Ts),
        };
        foreach (var request in signed)
        {
            var body = await request.Content!.ReadAsStringAsync();
            var bad = how switch
            {
                "unsigned" => SlackSigner.Unsigned(request.RequestUri!.ToString(), body),
                "forged" => w.Bot.Signer.Signed(request.RequestUri!.ToString(), body, secretOverride: "guessed-secret"),
                _ => w.Bot.Signer.Signed(request.RequestUri!.ToString(), body, at: w.Clock.GetUtcNow().AddMinutes(-6)),
            };
            Assert.Equal(HttpStatusCode.Unauthorized, (await w.Bot.SendAsync(bad)).StatusCode);
        }

        await Task.Delay(300); // give a wrongly accepted click the chance to show itself
        Assert.Equal(before, await Database.RowCountsAsync(w.Bot));
        Assert.Equal(callsBefore, w.Slack.Calls.Count);
        Assert.Equal(0, w.ProviderGrants);
    }

    [Fact]
    public async Task PendingRequest_TimesOut_AndTheRequesterIsTold()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        var post = await w.ApprovalPostedAsync();

        w.Clock.Advance(TimeSpan.FromMinutes(61));

        var updated = await w.UpdatedAsync(post, "Timed out");
        Assert.False(updated.HasButtons);
        await w.DirectMessageAsync(People.Ben, "timed out");
        await w.ClickAsync(People.Ana, true, post);
        await w.EphemeralToAsync(People.Ana);
        Assert.Equal(0, await w.GrantsAsync(post.RequestId));
    }

    [Fact]
    public async Task BotStoppedWithAnActiveGrant_AndStartedAfterItsExpiry_RevokesIt_AndSendsTheNotice()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        var post = await w.ApprovalPostedAsync();
        await w.ClickAsync(People.Ana, true, post);
        await w.DirectMessageAsync(People.Ben, "You have access");
        var provider = w.Provider;
        var grantId = Assert.Single(provider.Active).Key;

        await w.RestartAsync(whileStopped: () => w.Clock.Advance(TimeSpan.FromHours(3)));

        await w.DirectMessageAsync(People.Ben, "expired", timeout: TimeSpan.FromSeconds(30));
        Assert.Empty(provider.Active);
        Assert.Contains(grantId, provider.Revoked);
        Assert.Equal([grantId], provider.Revoked); // the start-up sweep and the overdue Quartz trigger take turns: one provider call
        await w.Slack.WaitForAsync(_ => w.ThreadReplies(post).Any(r => r.RawBody.Contains("expired")), "the expiry notice in the approval thread");
    }

    [Fact]
    public async Task UserTextWithMentions_IsEscapedInEveryMessage()
    {
        // As Slack sends it: a real @channel mention is escaped by should_escape, a typed "<!channel>" arrives as entities.
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because <!channel> &lt;!channel&gt; <@U0EVIL01|mallory> &lt;@U0EVIL02&gt; & more");
        var post = await w.ApprovalPostedAsync();
        await w.ClickAsync(People.Ana, true, post);
        await w.DirectMessageAsync(People.Ben, "You have access");
        await w.Slack.WaitForAsync(_ => w.ThreadReplies(post).Count > 0, "a thread reply");

        var messages = w.Slack.Calls.Where(c => c.Method.StartsWith("chat.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(messages);
        foreach (var call in messages)
        {
            var everything = Texts(call.Json).ToList();
            Assert.DoesNotContain(everything, t => t.Contains("<!channel>") || t.Contains("<@U0EVIL"));
        }
        var approval = w.Slack.CallsTo("chat.postMessage").First(c => c.ResponseTs == post.Ts);
        Assert.Contains(Texts(approval.Json), t => t.Contains("&lt;!channel&gt;") && t.Contains("&amp; more"));
    }

    static IEnumerable<string> Texts(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Texts(p.Value)),
        JsonArray a => a.SelectMany(Texts),
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        _ => [],
    };
}
