using JitBot.Hosting;
using JitBot.Policies;
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
        source = new PolicySource(policyDir);
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
}
