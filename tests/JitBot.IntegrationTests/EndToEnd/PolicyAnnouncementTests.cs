using JitBot.Hosting;
using JitBot.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>A running bot announces policy reloads in the admin channel (through the outbox), and a broken version once.</summary>
public class PolicyAnnouncementTests
{
    const string Admin = "C0ADMIN01";

    static bool Posted(SlackCall c, string containing) =>
        c.Method == "chat.postMessage" && c.Channel == Admin && c.RawBody.Contains(containing, StringComparison.Ordinal);

    [Fact]
    public async Task Reloads_Are_Announced_In_The_Admin_Channel_And_A_Broken_Version_Once()
    {
        using var policy = new PolicyCopy();
        await using var w = await Workspace.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Policies:Path"] = policy.Dir,
            [PolicyReloadService.AdminChannelKey] = Admin,
        });
        var reloader = w.Bot.Services.GetServices<IHostedService>().OfType<PolicyReloadService>().Single();

        policy.Replace("rules/non-production.yaml", "employment: [staff, contractor, intern]", "employment: [staff, contractor]");
        Assert.True((await reloader.CheckAsync(CancellationToken.None))!.Succeeded);
        var loaded = (await w.Slack.WaitForAsync(c => c.Any(x => Posted(x, "Policy reloaded")), "the reload announced")).First(x => Posted(x, "Policy reloaded"));
        Assert.Contains("3 access changes: 3 lose access.", loaded.RawBody);
        Assert.Contains("Ivo (U0INT0001)", loaded.RawBody);

        policy.Replace("rules/non-production.yaml", "    duration: {default: 4h, max: 8h}", "    duration: {default: 4h, max: 8 fortnights}");
        Assert.False((await reloader.CheckAsync(CancellationToken.None))!.Succeeded);
        File.AppendAllText(Path.Combine(policy.Dir, "rules", "non-production.yaml"), "\n# touched again, same problems\n");
        Assert.False((await reloader.CheckAsync(CancellationToken.None))!.Succeeded);
        var refused = (await w.Slack.WaitForAsync(c => c.Any(x => Posted(x, "Policy not loaded")), "the refusal announced")).First(x => Posted(x, "Policy not loaded"));
        Assert.Contains("rules/non-production.yaml:7:34: bad-duration:", refused.RawBody);

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(w.Slack.Calls, x => Posted(x, "Policy not loaded"));
        Assert.Single(w.Slack.Calls, x => Posted(x, "Policy reloaded"));
    }
}
