using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using JitBot.Incidents;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;
using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>LiteDB, the embedded store.</summary>
public sealed class LiteDbIncidentTests : IncidentTests
{
    protected override BotStorage NewStorage() => BotStorage.LiteDb();
}

/// <summary>PostgreSQL, with Quartz's clustered job store in the same database.</summary>
public sealed class PostgresIncidentTests : IncidentTests
{
    protected override BotStorage NewStorage() => BotStorage.Postgres();
}

/// <summary>
/// Incidents end to end, through the real host, the example policies (<c>incident_channels: "^inc-"</c>, the
/// <c>incident-responders</c> rule) and the fake Slack: a request in an incident channel granted at once and
/// announced there, the end by command (every grant revoked, the digest posted) and at the maximum length.
/// </summary>
public abstract class IncidentTests : WorkspaceTests
{
    protected const string Chloe = "U0PLT0001"; // platform staff: an incident responder for production services
    protected const string IncidentChannel = "C0INC4312";
    protected const string IncidentChannelName = "inc-4312";

    protected abstract BotStorage NewStorage();

    protected override Task<Workspace> StartWorkspaceAsync() => Workspace.StartAsync(storage: NewStorage);

    /// <summary>Types <c>/access {text}</c> in the incident channel; returns the reply's text and whether the channel sees it.</summary>
    protected async Task<(string Text, bool InChannel)> TypeAsync(string user, string text, string channelId = IncidentChannel, string channelName = IncidentChannelName)
    {
        var response = await w.Bot.SendAsync(w.Bot.Signer.Command(user, text, channelId, channelName));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (json.RootElement.GetProperty("text").GetString()!, json.RootElement.GetProperty("response_type").GetString() == "in_channel");
    }

    protected Task<IReadOnlyList<SlackCall>> PostedInChannelAsync(string containing, string channel = IncidentChannel) =>
        w.Slack.WaitForAsync(c => c.Any(x => IsPost(x, channel, containing)), $"a message in {channel} containing \"{containing}\"");

    static bool IsPost(SlackCall call, string channel, string containing) =>
        call.Method is "chat.postMessage" or "chat.update" && (call.Channel == channel) && call.RawBody.Contains(containing, StringComparison.Ordinal);

    [Fact]
    public async Task IncidentRequest_IsAutoApproved_AndAnnouncedInTheChannel()
    {
        var reply = await w.AskAsync(Chloe, "payments-api-prod for 1h because INC-4312 payouts stuck", IncidentChannel, IncidentChannelName);

        Assert.Contains("approved for 1 hour", reply);
        Assert.Single(w.Provider.Active);
        await PostedInChannelAsync("holds `payments-api-prod` until <!date^");
        var shown = await TypeAsync(Chloe, "incident");
        Assert.False(shown.InChannel);
        Assert.Contains("<@U0PLT0001> holds `payments-api-prod`", shown.Text);
        Assert.Contains("started by <@U0PLT0001>", shown.Text); // the first request opened the incident
    }

    [Fact]
    public async Task IncidentRequestThatNeedsApproval_ShowsItsApprovalStateInTheChannel_AndTheUpdate()
    {
        await TypeAsync(People.Ana, "incident start INC-4312");
        var reply = await w.AskAsync(People.Ben, "payments-db for 1h because INC-4312 payouts stuck", IncidentChannel, IncidentChannelName);
        Assert.Contains("waiting for", reply);

        await PostedInChannelAsync("asked for `payments-db`; waiting for approval from <!subteam^S01PAYONC");
        var post = await w.ApprovalPostedAsync();
        await w.ClickAsync(People.Ana, approve: true, post);

        var updated = await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "chat.update" && x.Channel == IncidentChannel && x.RawBody.Contains("holds `payments-db`")),
            "the announcement updated to 'holds'");
        Assert.Contains("approved by <@U0PAY0001>", updated.Last(x => x.Method == "chat.update" && x.Channel == IncidentChannel).RawBody);
    }

    [Fact]
    public async Task StartTwice_OneIncident_AndBadInputGetsClearSentences()
    {
        var started = await TypeAsync(People.Ana, "incident start INC-4312 for 4h");
        Assert.True(started.InChannel);
        Assert.Contains("started incident *INC-4312*", started.Text);

        var again = await TypeAsync(People.Ben, "incident start INC-9");
        Assert.False(again.InChannel);
        Assert.Contains("already has an incident: *INC-4312*", again.Text);

        Assert.Contains("Incidents live in channels", (await TypeAsync(People.Ana, "incident grant payments-api-prod", "D0DM", "directmessage")).Text);
        Assert.Contains("no incident in this channel to end", (await TypeAsync(People.Ana, "incident end", "C0QUIET", "quiet")).Text);
        Assert.Contains("no open incident in this channel", (await TypeAsync(People.Ana, "incident grant payments-api-prod", "C0QUIET", "quiet")).Text);
        Assert.Contains("is not an incident label", (await TypeAsync(People.Ana, "incident start <!channel>", "C0QUIET", "quiet")).Text);
    }

    [Fact]
    public async Task End_RevokesEveryGrant_AndPostsTheDigest()
    {
        await TypeAsync(People.Ana, "incident start INC-4312");
        await w.AskAsync(Chloe, "payments-api-prod for 1h because INC-4312 payouts stuck", IncidentChannel, IncidentChannelName);
        await w.AskAsync(Chloe, "k8s-prod for 1h because INC-4312 nodes", IncidentChannel, IncidentChannelName);
        await w.Slack.WaitForAsync(_ => w.Provider.Active.Count == 2, "two grants at the provider");
        await PostedInChannelAsync("holds `k8s-prod`");
        w.Clock.Advance(TimeSpan.FromMinutes(10));

        var ended = await TypeAsync(People.Ben, "incident end");

        Assert.True(ended.InChannel);
        Assert.Contains("<@U0PAY0002> ended incident *INC-4312*", ended.Text);
        Assert.Empty(w.Provider.Active);
        Assert.Equal(2, w.Provider.Revoked.Count);
        var digest = (await PostedInChannelAsync("Incident INC-4312 ended*")).Last(c => IsPost(c, IncidentChannel, "Incident INC-4312 ended*"));
        Assert.Contains("<#C0INC4312>", digest.RawBody);
        Assert.Contains("`payments-api-prod`", digest.RawBody);
        Assert.Contains("`k8s-prod`", digest.RawBody);
        Assert.Contains("approved by policy", digest.RawBody);
        Assert.Contains("INC-4312 payouts stuck", digest.RawBody);
        Assert.Contains($"<!date^{Workspace.Start.AddMinutes(10).ToUnixTimeSeconds()}^", digest.RawBody);
        await PostedInChannelAsync("held `payments-api-prod` from");
        Assert.Contains("no incident in this channel", (await TypeAsync(People.Ben, "incident end")).Text);
    }

    [Fact]
    public async Task MaximumLength_EndsTheIncident_AndRevokes()
    {
        await TypeAsync(People.Ana, "incident start INC-4312 for 30m");
        var reply = await w.AskAsync(Chloe, "payments-api-prod for 1h because INC-4312 payouts stuck", IncidentChannel, IncidentChannelName);
        Assert.Contains("approved for 30 minutes", reply); // capped at the incident's end
        Assert.Single(w.Provider.Active);

        w.Clock.Advance(TimeSpan.FromMinutes(31));

        await PostedInChannelAsync("its maximum length was reached");
        Assert.Empty(w.Provider.Active);
        Assert.Contains("no incident in this channel", (await TypeAsync(People.Ben, "incident")).Text);
    }

    [Fact]
    public async Task ChannelArchived_RevokesEverything_TheDigestGoesToTheStarter_AndADuplicateDeliveryIsHandledOnce()
    {
        await TypeAsync(People.Ana, "incident start INC-4312");
        await w.AskAsync(Chloe, "payments-api-prod for 1h because INC-4312 payouts stuck", IncidentChannel, IncidentChannelName);
        Assert.Single(w.Provider.Active);
        var envelope = w.Bot.Signer.EventEnvelope(new JsonObject { ["type"] = "channel_archive", ["channel"] = IncidentChannel, ["user"] = People.Ben }, "Ev0INCARCHIVE");

        Assert.Equal(HttpStatusCode.OK, (await w.Bot.SendAsync(w.Bot.Signer.Event(envelope))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await w.Bot.SendAsync(w.Bot.Signer.Event(envelope, retryNum: 1))).StatusCode);

        // An archived channel takes no messages: the digest goes to the person who started the incident.
        var digest = await w.DirectMessageAsync(People.Ana, "Incident INC-4312 ended*");
        Assert.Contains("its channel was archived", digest.RawBody);
        Assert.Contains("by <@U0PAY0002>", digest.RawBody);
        Assert.Empty(w.Provider.Active);
        Assert.Contains("no incident in this channel", (await TypeAsync(People.Ben, "incident")).Text);

        // The repeated delivery changed nothing: one digest, and a second archive of an ended incident is a no-op.
        Assert.Equal(HttpStatusCode.OK, (await w.Bot.SendAsync(w.Bot.Signer.Event(w.Bot.Signer.EventEnvelope(
            new JsonObject { ["type"] = "channel_archive", ["channel"] = IncidentChannel, ["user"] = People.Ben }, "Ev0INCARCHIVE2")))).StatusCode);
        await w.Slack.WaitForAsync(_ => w.Logs.GetSnapshot().Any(r => r.Message.Contains("archived: NoIncident", StringComparison.Ordinal)),
            "the second archive handled (the channel has no incident any more)");
        Assert.Single(w.Slack.Calls, c => c.Method == "chat.postMessage" && c.RawBody.Contains("Incident INC-4312 ended*"));
        Assert.Single(w.Provider.Revoked);
    }

    [Fact]
    public async Task ChannelArchivedWithoutAnEvent_TheChannelCheckEndsTheIncident_RevokesAndSendsTheDigest()
    {
        await TypeAsync(People.Ana, "incident start INC-4312");
        await w.AskAsync(Chloe, "payments-api-prod for 1h because INC-4312 payouts stuck", IncidentChannel, IncidentChannelName);
        Assert.Single(w.Provider.Active);
        // The first check ran at start-up; the next is due Incidents:ArchiveCheckMinutes (5) later and finds the channel open.
        w.Clock.Advance(TimeSpan.FromMinutes(5));
        await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "conversations.info" && x.Channel == IncidentChannel), "the channel check asking about the open incident");
        Assert.Single(w.Provider.Active);

        w.Slack.ArchiveChannel(IncidentChannel); // archived in Slack; JitBot never hears the event
        w.Clock.Advance(TimeSpan.FromMinutes(5));

        var digest = await w.DirectMessageAsync(People.Ana, "Incident INC-4312 ended*");
        Assert.Contains("its channel was archived", digest.RawBody);
        Assert.Empty(w.Provider.Active);
        Assert.Single(w.Provider.Revoked);
        Assert.Contains("no incident in this channel", (await TypeAsync(People.Ben, "incident")).Text);
    }

    [Fact]
    public async Task ChannelWideGrant_GivesEveryMemberThePolicyAllows_AndListsWhoDidNotAndWhy()
    {
        const string Ivo = "U0INT0001"; // a platform intern: the policy refuses him production
        w.Slack.SetChannel(IncidentChannel, Chloe, People.Eve, Ivo, People.Hana);
        w.Slack.Deactivate(People.Hana);
        await TypeAsync(People.Ana, "incident start INC-4312");

        var ack = await TypeAsync(Chloe, "incident grant payments-api-prod for 1h");
        Assert.Contains("Granting `payments-api-prod` to the members of this channel", ack.Text);

        var done = await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "chat.update" && x.Channel == IncidentChannel && x.RawBody.Contains("channel-wide: ")),
            "the channel-wide grant's report");
        var report = done.Last(x => x.Method == "chat.update" && x.Channel == IncidentChannel && x.RawBody.Contains("channel-wide: ")).RawBody;
        Assert.Contains("1 of 4 members got it, 3 did not", report);
        Assert.Contains("<@U0PLT0001>: until <!date^", report);
        Assert.Contains("<@U0INT0001>: not granted, denied by no-interns-in-production", report);
        Assert.Contains("<@U0CTR0001>: not granted, needs approval", report);
        Assert.Contains("<@U0DAT0002>: not granted, a bot or a deactivated account", report);
        Assert.Equal([Chloe], w.Provider.Active.Values.Select(g => g.UserId));
        await PostedInChannelAsync("<@U0PLT0001> holds `payments-api-prod`");

        // Someone the policy does not grant it to cannot hand it out.
        await TypeAsync(Ivo, "incident grant payments-api-prod");
        var refused = await w.EphemeralToAsync(Ivo);
        Assert.Contains("Only someone the policy grants payments-api-prod to straight away", refused);
        Assert.Single(w.Provider.Active);

        // The digest says the grant was channel-wide, and by whom.
        await TypeAsync(People.Ben, "incident end");
        var digest = (await PostedInChannelAsync("Incident INC-4312 ended*")).Last(c => IsPost(c, IncidentChannel, "Incident INC-4312 ended*"));
        Assert.Contains("granted channel-wide by <@U0PLT0001>", digest.RawBody);
    }

    [Fact]
    public async Task RestartInTheMiddleOfEnding_ResumesAtStartUp_AndStillRevokesEverything()
    {
        await TypeAsync(People.Ana, "incident start INC-4312");
        await w.AskAsync(Chloe, "payments-api-prod for 1h because INC-4312 payouts stuck", IncidentChannel, IncidentChannelName);
        await w.AskAsync(Chloe, "k8s-prod for 1h because INC-4312 nodes", IncidentChannel, IncidentChannelName);
        Assert.Equal(2, w.Provider.Active.Count);
        await PostedInChannelAsync("holds `k8s-prod`");
        var store = w.Bot.Services.GetRequiredService<IAccessStore>();
        var incident = (await store.CurrentIncidentAsync(IncidentChannel, CancellationToken.None))!;

        // The bot stops right after Open → Ending was committed, before anything was revoked.
        await using (var tx = await store.BeginAsync(CancellationToken.None))
        {
            Assert.True(await tx.TryMoveIncidentAsync(incident.Id, IncidentState.Open, IncidentState.Ending, w.Clock.GetUtcNow(), People.Ben,
                IncidentEndReasons.Command, CancellationToken.None));
            await tx.CommitAsync(CancellationToken.None);
        }
        // Down for a few minutes, as a real restart is: any notice the stopped bot had claimed is free again.
        await w.RestartAsync(whileStopped: () => w.Clock.Advance(TimeSpan.FromMinutes(3)));

        await PostedInChannelAsync("Incident INC-4312 ended*");
        Assert.Empty(w.Provider.Active);
        Assert.Equal(2, w.Provider.Revoked.Count);
    }
}
