using System.Text.Json;
using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>
/// A resource whose provider is a webhook, end to end: the example policy with <c>k8s-dev</c> handed to a webhook
/// instance whose receiver runs on 127.0.0.1.
/// </summary>
public sealed class WebhookLoopTests : WorkspaceTests
{
    const string Secret = "whsec-e2e-0123456789abcdef";
    WebhookReceiver receiver = null!;
    string policies = null!;

    protected override async Task<Workspace> StartWorkspaceAsync()
    {
        receiver = await WebhookReceiver.StartAsync();
        policies = ExamplePolicies.CopyWithProvider("k8s-dev", "{type: webhook, instance: vpn, action: add-to-vpn}");
        return await Workspace.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Policies:Path"] = policies,
            ["Providers:webhook:vpn:Url"] = receiver.Url.ToString(),
            ["Providers:webhook:vpn:Secret"] = Secret,
            ["Providers:webhook:vpn:Attempts"] = "1",
        });
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await receiver.DisposeAsync();
        Directory.Delete(policies, recursive: true);
    }

    [Fact]
    public async Task Grant_AndItsEnd_ReachTheReceiverAsSignedEvents()
    {
        Assert.Contains("approved for", await w.AskAsync(People.Ana, "k8s-dev for 1h"));
        await w.DirectMessageAsync(People.Ana, "You have access to `k8s-dev`");
        var grant = Assert.Single(receiver.Received);
        Assert.Equal("grant", grant.Header("X-JitBot-Event"));
        Assert.Equal("add-to-vpn", JsonDocument.Parse(grant.Body).RootElement.GetProperty("parameters").GetProperty("action").GetString());

        w.Clock.Advance(TimeSpan.FromMinutes(61));
        await w.DirectMessageAsync(People.Ana, "Your access to `k8s-dev`");

        Assert.Equal(["grant", "revoke"], receiver.Received.Select(h => h.Header("X-JitBot-Event")));
        Assert.Equal(grant.Header("Idempotency-Key")!.Replace(":grant", ":revoke"), receiver.Received[1].Header("Idempotency-Key"));
    }

    [Fact]
    public async Task AutoApproved_IsAnsweredBeforeTheProviderAnswers_AndTheDirectMessageSaysWhenItIsInPlace()
    {
        var release = new TaskCompletionSource();
        receiver.AnswerAfter(release.Task);

        var answer = await w.Slack.AnswerAsync(w.Bot.Client, w.Bot.Signer.Command(People.Ana, "k8s-dev for 1h", "C0PAYMENTS", "payments"));

        Assert.Contains("Access to `k8s-dev` approved for 1 hour", answer.Text);
        Assert.Contains("JitBot is setting it up now and sends you a direct message once it is in place.", answer.Text);
        await receiver.WaitForAsync(1); // the provider is asked, and has not answered
        Assert.DoesNotContain(w.Slack.Calls, c => c.Method == "chat.postMessage" && c.Channel == People.Ana && c.RawBody.Contains("You have access", StringComparison.Ordinal));

        release.SetResult();
        await w.DirectMessageAsync(People.Ana, "You have access to `k8s-dev`");
    }

    [Fact]
    public async Task Grant_WhenTheReceiverAnswers500_FailsAndTheRequesterIsToldWithTheReceiversAnswer()
    {
        receiver.Answer(500, "vpn controller down");

        await w.AskAsync(People.Ana, "k8s-dev for 1h");

        var dm = await w.DirectMessageAsync(People.Ana, "granting it failed");
        Assert.Contains("HTTP 500: vpn controller down", dm.RawBody);
        Assert.DoesNotContain(Secret, string.Join("\n", w.Slack.Calls.Select(c => c.RawBody)));
    }
}
