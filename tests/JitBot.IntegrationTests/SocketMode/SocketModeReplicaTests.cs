using System.Text.Json.Nodes;
using JitBot.IntegrationTests.EndToEnd;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Slack.Payloads;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.SocketMode;

/// <summary>Two replicas on one PostgreSQL database, each with its own Socket Mode connection to one fake Slack.</summary>
public sealed class SocketModeReplicaTests : IAsyncLifetime
{
    readonly FakeTimeProvider clock = new(Workspace.Start);
    FakeSlack slack = null!;
    BotStorage storage = null!;
    readonly List<BotHost> bots = [];

    public async Task InitializeAsync()
    {
        slack = await FakeSlack.StartAsync();
        slack.Clock = clock;
        foreach (var group in (string[])["S01PAYENG", "S01PLTENG", "S01PLTONC", "S01DATENG", "S01DATONC", "S01SECURE", "S01DPROT", "S01FINSEC", "S01CHKENG", "S01CHKONC"])
            slack.SetGroup(group);
        slack.SetGroup(People.PaymentsOncall, People.Ana, People.Hana);
        slack.SetGroup("S01PAYENG", People.Ana, People.Ben, People.Hana);
        storage = BotStorage.Postgres();
    }

    public async Task DisposeAsync()
    {
        foreach (var bot in bots) await bot.DisposeAsync();
        await slack.DisposeAsync();
        await storage.DisposeAsync();
    }

    [Fact]
    public async Task AnEnvelopeRedeliveredToTheOtherReplica_IsAcknowledgedThere_ButHandledOnce()
    {
        var server = await slack.SocketModeAsync();
        bots.Add(Start());
        var first = await server.ConnectionAsync(1);
        bots.Add(Start());
        var second = await server.ConnectionAsync(2);
        var payload = CommandPayload(People.Ben, "payments-api-prod for 1h because INC-4312 payouts stuck");
        const string envelope = "env-to-two-replicas";
        first.DropOnAck(envelope);

        await first.SendEnvelopeAsync("slash_commands", payload, envelope);
        await server.ConnectionAsync(3);  // the first replica reconnects after the drop
        await second.SendEnvelopeAsync("slash_commands", payload, envelope, retryAttempt: 1, retryReason: "timeout");
        var ack = await second.AckAsync(envelope);

        Assert.Null(ack["payload"]);  // the reply was the first replica's; this one only acknowledges
        await slack.WaitForAsync(c => c.Any(x => x.Method == "chat.postMessage" && x.Channel == People.PaymentsChannel && x.HasButtons), "the approval message");
        var store = bots[0].Services.GetRequiredService<IAccessStore>();
        Assert.Single(await store.RequestsByRequesterAsync(People.Ben, Workspace.Start.AddDays(-1), 10, CancellationToken.None));
        await Task.Delay(300);
        Assert.Single(slack.Calls, c => c.Method == "chat.postMessage" && c.Channel == People.PaymentsChannel && c.HasButtons);
    }

    BotHost Start() => BotHost.Start(slack, clock, storage,
        settings: new Dictionary<string, string?>(SocketModeDriver.Settings) { ["Slack:SigningSecret"] = "" });

    JsonObject CommandPayload(string user, string text)
    {
        var payload = new JsonObject();
        foreach (var (key, value) in FormBody.Parse(SlackSigner.CommandBody(user, text, "C0PAYMENTS", "payments", slack.NewResponseUrl()))!)
            payload[key] = value;
        return payload;
    }
}
