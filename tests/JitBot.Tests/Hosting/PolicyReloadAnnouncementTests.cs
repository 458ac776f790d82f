using System.Text.Json;
using JitBot.Hosting;
using JitBot.Policies;
using JitBot.Providers;
using JitBot.Storage;
using JitBot.Tests.Fakes;
using JitBot.Tests.Policies;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Hosting;

/// <summary>Reloads are announced in the admin channel through the outbox: what changed, or the problems once.</summary>
public sealed class PolicyReloadAnnouncementTests : IAsyncLifetime
{
    readonly TempPolicy policy = TempPolicy.CopyOf(RepoPaths.Of("examples", "policies"));
    CoreHarness core = null!;
    PolicySource source = null!;

    public async Task InitializeAsync()
    {
        core = new CoreHarness();
        await core.Store.MigrateAsync(CancellationToken.None);
        source = new PolicySource(policy.Dir, ProviderTypes.Known);
    }

    public async Task DisposeAsync()
    {
        await core.DisposeAsync();
        policy.Dispose();
    }

    PolicyReloadService Reloader(string? adminChannel = "C0ADMIN01") => new(source, core.Store,
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [PolicyReloadService.AdminChannelKey] = adminChannel }).Build(),
        core.Time, NullLogger<PolicyReloadService>.Instance);

    async Task<List<PolicyAnnouncement>> Announcements()
    {
        var claimed = await core.Store.ClaimNotificationsAsync("test", core.Time.GetUtcNow(), TimeSpan.FromMinutes(1), 100, CancellationToken.None);
        return claimed.Where(m => m.Kind == NotificationKind.PolicyAnnouncement).Select(m => JsonSerializer.Deserialize<PolicyAnnouncement>(m.Payload!)!).ToList();
    }

    void Edit(string file, string find, string replace)
    {
        var path = Path.Combine(policy.Dir, file);
        var text = File.ReadAllText(path);
        Assert.Contains(find, text);
        File.WriteAllText(path, text.Replace(find, replace));
    }

    [Fact]
    public async Task A_New_Version_Is_Announced_With_What_Changed()
    {
        var reloader = Reloader();
        var before = source.Current.Version;
        Edit("rules/non-production.yaml", "employment: [staff, contractor, intern]", "employment: [staff, contractor]");

        Assert.True((await reloader.CheckAsync(CancellationToken.None))!.Succeeded);

        var announcement = Assert.Single(await Announcements());
        Assert.Equal("C0ADMIN01", announcement.Channel);
        Assert.Contains($"*Policy reloaded*: `{source.Current.Version[..19]}` is in force (was `{before[..19]}`)", announcement.Text);
        Assert.Contains("3 access changes: 3 lose access.", announcement.Text);
        Assert.Contains("• Ivo (U0INT0001) — `analytics-dev`: automatic, max 8 hours → denied", announcement.Text);
    }

    [Fact]
    public async Task A_Broken_Version_Is_Announced_Once_With_Its_Problems_And_The_Last_Good_Stays()
    {
        var reloader = Reloader();
        var running = source.Current.Version;
        Edit("rules/non-production.yaml", "    duration: {default: 4h, max: 8h}", "    duration: {default: 4h, max: 8 fortnights}");
        Assert.False((await reloader.CheckAsync(CancellationToken.None))!.Succeeded);
        // The same broken version touched again (same problems): refused again, not announced again.
        File.AppendAllText(Path.Combine(policy.Dir, "rules/non-production.yaml"), "\n");
        Assert.False((await reloader.CheckAsync(CancellationToken.None))!.Succeeded);
        Assert.Null(await reloader.CheckAsync(CancellationToken.None));

        Assert.Equal(running, source.Current.Version);
        var announcement = Assert.Single(await Announcements());
        Assert.Contains($"*Policy not loaded*: the policy folder changed but does not validate, so `{running[..19]}` stays in force. 1 problem:", announcement.Text);
        Assert.Contains("rules/non-production.yaml:7:34: bad-duration: \"8 fortnights\" is not a duration.", announcement.Text);
    }

    [Fact]
    public async Task Without_An_Admin_Channel_Nothing_Is_Queued()
    {
        var reloader = Reloader(adminChannel: null);
        Edit("rules/non-production.yaml", "employment: [staff, contractor, intern]", "employment: [staff, contractor]");
        Assert.True((await reloader.CheckAsync(CancellationToken.None))!.Succeeded);
        Assert.Empty(await Announcements());
    }
}
