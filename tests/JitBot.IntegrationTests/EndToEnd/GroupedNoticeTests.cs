using JitBot.IntegrationTests.Infrastructure;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>
/// Several of one person's notices waiting together go out as one direct message, through the real host and the
/// fake Slack (<see cref="NoticeGroups"/>): Ana's three grants expire together and one message names them all.
/// </summary>
public sealed class GroupedNoticeTests : WorkspaceTests
{
    static readonly string[] Resources = ["payments-db-staging", "payments-api-staging", "payments-db-dev"]; // all auto-approved for Ana
    // No expiry warnings: they would be DMs of another kind in Ana's lane, between the grants and their ends.
    protected override Task<Workspace> StartWorkspaceAsync() =>
        Workspace.StartAsync(settings: new Dictionary<string, string?> { ["Grants:WarnBeforeMinutes"] = "0" });

    [Fact]
    public async Task SeveralGrantsOfOnePerson_ExpiringTogether_AreToldInOneDirectMessage_NamingEachOfThem()
    {
        foreach (var resource in Resources) await w.AskAsync(People.Ana, $"{resource} for 1h because checking a migration");
        await Steps(() => Resources.All(r => DmsTo(People.Ana).Any(c => c.RawBody.Contains("You have access", StringComparison.Ordinal) && c.RawBody.Contains($"`{r}`", StringComparison.Ordinal))),
            "'you have access' to all three");
        var grants = w.Provider.Granted.ToList();
        Assert.Equal(3, grants.Count);
        var before = DmsTo(People.Ana).Count;

        // Slack holds Ana's next message back for 30 s, so the three expiries wait in her lane together whatever
        // order the revocations finish in; once Slack allows, they go out as one message.
        w.Slack.RateLimitChannel(People.Ana, times: 1, retryAfterSeconds: 30);
        w.Clock.Advance(TimeSpan.FromHours(1));
        await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "chat.postMessage (429)" && x.Channel == People.Ana), "the held-back expiry message");
        await Steps(() => w.Provider.Revoked.Count == 3, "the three revocations");
        await Steps(() => DmsTo(People.Ana).Skip(before).Any(c => c.RawBody.Contains("expired", StringComparison.Ordinal)), "the expiry message");
        w.Clock.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(300); // anything sent twice would show now

        var expiry = Assert.Single(DmsTo(People.Ana).Skip(before));
        var text = string.Join("\n", Texts(expiry));
        // In the order the revocations queued them, which ran side by side.
        var first = text.Split('\n')[0];
        Assert.True(first.StartsWith(":lock: Your access to `", StringComparison.Ordinal) && first.EndsWith("` expired:", StringComparison.Ordinal), text);
        Assert.All(Resources, r => Assert.Contains($"`{r}`", first));
        foreach (var grant in grants)
            Assert.Contains($"(grant `{new GrantId(grant).Short}`) expired <!date^", text);
        Assert.Equal(3, text.Split('\n').Count(l => l.StartsWith("• `", StringComparison.Ordinal)));
        Assert.Equal(0, await w.Bot.Services.GetRequiredService<IAccessStore>().UndeliveredCountAsync(CancellationToken.None));
    }

    List<SlackCall> DmsTo(string user) =>
        w.Slack.Calls.Where(c => c.Method == "chat.postMessage" && c.Channel == user).ToList();

    static IEnumerable<string> Texts(SlackCall call) =>
        (call.Json?["blocks"]?.AsArray() ?? []).Select(b => b?["text"]?["text"]?.GetValue<string>()).OfType<string>();

    Task Steps(Func<bool> done, string what) =>
        ClockSteps.AdvanceUntilAsync(w.Clock.Advance, done, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(90), what);
}
