using JitBot.Hosting;
using JitBot.Policies;
using JitBot.Providers;
using JitBot.Tests.Fakes;
using JitBot.Tests.Policies;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Hosting;

public sealed class PolicyReloadServiceTests : IAsyncLifetime
{
    readonly TempPolicy policy = TempPolicy.CopyOf(RepoPaths.Of("examples", "policies"));
    string policyDir => policy.Dir;
    CoreHarness core = null!;
    PolicySource source = null!;
    PolicyReloadService reloader = null!;

    public async Task InitializeAsync()
    {
        core = new CoreHarness();
        await core.Store.MigrateAsync(CancellationToken.None);
        source = new PolicySource(policyDir, ProviderTypes.Known);
        reloader = new PolicyReloadService(source, core.Store, new ConfigurationBuilder().Build(), core.Time,
            NullLogger<PolicyReloadService>.Instance);
    }

    public async Task DisposeAsync()
    {
        await core.DisposeAsync();
        policy.Dispose();
    }

    [Fact]
    public async Task Check_WithNothingChanged_DoesNotReload()
    {
        Assert.Null(await reloader.CheckAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Check_WithAnInvalidChange_KeepsTheLastGoodPolicyAndAuditsWhy()
    {
        var running = source.Current.Version;
        var teams = Path.Combine(policyDir, "teams.yaml");
        File.AppendAllText(teams, "\nnot-a-section: [\n");

        var result = await reloader.CheckAsync(CancellationToken.None);

        Assert.NotNull(result);
        Assert.False(result.Succeeded);
        Assert.Equal(running, source.Current.Version);
        Assert.NotNull(source.LastRefused);
        var refused = (await core.Audit.ReadAsync(0, 100, CancellationToken.None)).Single(r => r.Event.Kind == PolicyReloadService.Refused);
        Assert.Equal(running, refused.Event.Data!["running"]);
        Assert.Contains("teams.yaml:", refused.Event.Data["problems"]);
    }

    [Fact]
    public async Task Check_WithAValidChange_SwapsTheNewVersionInAndAuditsIt()
    {
        var before = source.Current.Version;
        var resources = Path.Combine(policyDir, "resources.yaml");
        File.AppendAllText(resources, "\n# a comment changes the content hash\n");

        var result = await reloader.CheckAsync(CancellationToken.None);

        Assert.NotNull(result);
        Assert.True(result.Succeeded);
        Assert.NotEqual(before, source.Current.Version);
        var loaded = (await core.Audit.ReadAsync(0, 100, CancellationToken.None)).Single(r => r.Event.Kind == PolicyReloadService.Loaded);
        Assert.Equal(before, loaded.Event.Data!["previous"]);
        Assert.Equal(source.Current.Version, loaded.Event.Data["version"]);
        Assert.True((await core.Audit.VerifyAsync(CancellationToken.None)).Intact);
    }

    /// <summary>Runs one reload check on another thread; fails (instead of hanging) when it takes longer than the bound.</summary>
    async Task<PolicyLoadResult?> CheckWithinBound() =>
        await Task.Run(() => reloader.CheckAsync(CancellationToken.None)).WaitAsync(HostileFolder.Bound);

    async Task AssertRefusedKeepingTheLastGood(string running, string problem)
    {
        var result = await CheckWithinBound();
        Assert.NotNull(result);
        Assert.False(result.Succeeded);
        Assert.Equal(running, source.Current.Version);
        var refused = (await core.Audit.ReadAsync(0, 100, CancellationToken.None)).Single(r => r.Event.Kind == PolicyReloadService.Refused);
        Assert.Contains(problem, refused.Event.Data!["problems"]);
        Assert.Null(await CheckWithinBound());
    }

    [Fact]
    public async Task Check_WithAFifoAdded_RefusesItWithinTheBound_AndKeepsTheLastGoodPolicy()
    {
        if (OperatingSystem.IsWindows()) return;
        var running = source.Current.Version;
        HostileFolder.MakeFifo(Path.Combine(policyDir, "pipe.yaml"));
        await AssertRefusedKeepingTheLastGood(running, "pipe.yaml: unreadable: This is a named pipe (FIFO)");
    }

    [Fact]
    public async Task Check_WithALinkToDevZeroAdded_RefusesItWithinTheBound_AndKeepsTheLastGoodPolicy()
    {
        if (OperatingSystem.IsWindows()) return;
        var running = source.Current.Version;
        File.CreateSymbolicLink(Path.Combine(policyDir, "zero.yaml"), "/dev/zero");
        await AssertRefusedKeepingTheLastGood(running, "zero.yaml: bad-link: This link leads outside the policy folder (to /dev/zero)");
    }

    [Fact]
    public async Task Check_WithLinksThatLoopAdded_RefusesThemWithinTheBound_AndKeepsTheLastGoodPolicy()
    {
        var running = source.Current.Version;
        foreach (var name in new[] { "a", "b", "c" }) Directory.CreateSymbolicLink(Path.Combine(policyDir, "rules", name), "..");
        await AssertRefusedKeepingTheLastGood(running, "rules/a: bad-link: This link leads back to the policy folder itself");
    }
}
