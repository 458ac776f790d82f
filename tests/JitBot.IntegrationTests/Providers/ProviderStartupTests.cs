using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.Providers;

/// <summary>The bot as people run it: a policy naming a provider instance that is not configured stops start-up with a sentence.</summary>
public sealed class ProviderStartupTests : IAsyncLifetime
{
    readonly PolicyCopy _policy = new();
    FakeSlack _slack = null!;

    public async Task InitializeAsync() => _slack = await FakeSlack.StartAsync();

    public async Task DisposeAsync()
    {
        await _slack.DisposeAsync();
        _policy.Dispose();
    }

    Dictionary<string, string?> Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Slack__BotToken"] = FakeSlack.Token,
            ["Slack__SigningSecret"] = BotHost.SigningSecret,
            ["Slack__ApiBaseUrl"] = _slack.ApiBaseUrl.ToString(),
            ["Policies__Path"] = _policy.Dir,
        };
        foreach (var (k, v) in extra) settings[k] = v;
        return settings;
    }

    [Fact]
    public async Task AResourceNamingAnUnconfiguredInstance_StopsStartUp_NamingResourceTypeInstanceAndKey()
    {
        _policy.Replace("resources.yaml", "  - id: payments-db\n    description: Payments PostgreSQL (production)\n    tags: {env: production, owner-team: payments, data-class: restricted, kind: database, department: finance}\n    provider: {type: record}",
            "  - id: payments-db\n    description: Payments PostgreSQL (production)\n    tags: {env: production, owner-team: payments, data-class: restricted, kind: database, department: finance}\n    provider: {type: record, instance: payments}");

        await using var bot = BotProcess.Start(Settings());
        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains("The resource payments-db uses the record provider instance 'payments', which is not configured. Set Providers:record:payments, or change the resource's provider.", bot.Output);
        Assert.Contains("JitBot did not start because of the problems above.", bot.Output);
        Assert.DoesNotContain("   at ", bot.Output);
    }

    [Fact]
    public async Task SettingsForAProviderTypeJitBotDoesNotHave_StopStartUp()
    {
        await using var bot = BotProcess.Start(Settings(("Providers__ldap__corp__Url", "ldaps://corp")));
        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains("The configuration names a provider type 'ldap' (Providers:ldap), which this JitBot does not have.", bot.Output);
        Assert.DoesNotContain("   at ", bot.Output);
    }
}
