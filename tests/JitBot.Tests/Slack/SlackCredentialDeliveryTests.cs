using JitBot.Grants;
using JitBot.Providers;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.SlackApp;
using Microsoft.Extensions.Logging.Testing;
using NSubstitute;

namespace JitBot.Tests.Slack;

public class SlackCredentialDeliveryTests
{
    const string Secret = "s3cret&<pw>";
    readonly ISlackApiClient slack = Substitute.For<ISlackApiClient>();
    readonly IChatApi chat = Substitute.For<IChatApi>();
    readonly List<ChatMessage> posts = [];
    readonly FakeTimeProvider time = new(Samples.Now);
    readonly FakeLogger<SlackCredentialDelivery> log = new();
    int failuresLeft;

    public SlackCredentialDeliveryTests()
    {
        slack.Chat.Returns(chat);
        chat.PostMessageAsync(Arg.Any<ChatMessage>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            if (failuresLeft-- > 0) throw new HttpRequestException("Slack is down (test).");
            posts.Add(call.Arg<ChatMessage>());
            return new PostedMessage("D0DM", "1700000000.000001");
        });
    }

    static AccessRequest Request => Samples.Request(RequestState.Granted, Samples.Decision(JitBot.Policies.DecisionOutcome.AutoApproved, null));
    static Grant Grant => new(GrantId.New(), Request.Id, Request.RequesterId, Request.ResourceId, Samples.Now, Samples.Now.AddHours(1), GrantState.Active, null);
    static IssuedCredential Credential => new("password", Secret, Samples.Now.AddHours(1), "psql -h db -U alice");

    async Task DeliverAdvancingTheClock(SlackCredentialDelivery delivery)
    {
        var task = delivery.DeliverAsync(Request, Grant, Credential, CancellationToken.None);
        while (!task.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }
        await task;
    }

    [Fact]
    public async Task Deliver_SendsADirectMessageToTheRequesterOnly_WithTheSecretEscaped_AndNeverLogsIt()
    {
        await new SlackCredentialDelivery(slack, time, log).DeliverAsync(Request, Grant, Credential, CancellationToken.None);

        var post = Assert.Single(posts);
        Assert.Equal(Request.RequesterId, post.Channel);
        Assert.Null(post.ThreadTs);
        Assert.DoesNotContain(Secret, post.Text);
        var block = System.Text.Json.JsonSerializer.Serialize(post.Blocks);
        Assert.Contains("s3cret\\u0026amp;\\u0026lt;pw\\u0026gt;", block);
        Assert.All(log.Collector.GetSnapshot(), r => Assert.DoesNotContain(Secret, r.Message));
        Assert.Contains(log.Collector.GetSnapshot(), r => r.Message.Contains(Credential.Fingerprint));
    }

    [Fact]
    public async Task Deliver_WhenSlackFailsTwice_TriesAgainAndSucceeds()
    {
        failuresLeft = 2;

        await DeliverAdvancingTheClock(new SlackCredentialDelivery(slack, time, log));

        Assert.Single(posts);
    }

    [Fact]
    public async Task Deliver_WhenSlackKeepsFailing_GivesUpAfterThreeAttempts()
    {
        failuresLeft = 10;

        await Assert.ThrowsAsync<HttpRequestException>(() => DeliverAdvancingTheClock(new SlackCredentialDelivery(slack, time, log)));

        Assert.Equal(10 - SlackCredentialDelivery.Attempts, failuresLeft);
    }
}
