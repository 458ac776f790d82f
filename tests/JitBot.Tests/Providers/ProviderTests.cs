using JitBot.Policies;
using JitBot.Providers;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Providers;

public sealed class ProviderTests
{
    CancellationToken Ct => CancellationToken.None;

    static ProviderGrant Grant(string id = "grt_1") => new(id, "req_1", "U0REQ", FakePolicy.Resource("staging-db", "record"),
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1));

    static AccessProviderRegistry FromConfiguration(Dictionary<string, string?> settings, params IProviderType[] types) =>
        AccessProviderRegistry.FromConfiguration(types.Length == 0 ? ProviderTypes.All : types,
            new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), new ServiceCollection().BuildServiceProvider(), []);

    [Fact]
    public void Registry_FindsProvidersByTypeAndInstanceIgnoringCase()
    {
        var record = new RecordOnlyProvider(NullLogger<RecordOnlyProvider>.Instance);
        var payments = new FakeProvider("webhook");
        var registry = new AccessProviderRegistry([new ProviderInstance("default", record), new ProviderInstance("payments", payments)]);

        Assert.Same(record, registry.Find("RECORD"));
        Assert.Same(payments, registry.Find("webhook", "Payments"));
        Assert.Null(registry.Find("webhook"));
        Assert.Null(registry.Find("postgres"));
    }

    [Fact]
    public void Registry_WithTwoProvidersForOneInstance_RefusesToStart()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new AccessProviderRegistry([new FakeProvider("x"), new FakeProvider("X")]));
        Assert.Contains("'X' instance 'default'", e.Message);
    }

    [Fact]
    public void Registry_FromNoConfiguration_HasTheRecordDefaultInstance()
    {
        var registry = FromConfiguration([]);
        Assert.IsType<RecordOnlyProvider>(registry.Find(ProviderTypes.Record, ProviderTypes.DefaultInstance));
    }

    [Fact]
    public void Registry_BuildsEachConfiguredInstanceWithItsSettings()
    {
        var type = new SettingsType();
        var registry = FromConfiguration(new() { ["Providers:fake:payments:Url"] = "https://a", ["Providers:fake:ledger:Url"] = "https://b" }, type);
        Assert.Equal("https://a", ((FakeProviderWithUrl)registry.Find("fake", "payments")!).Url);
        Assert.Equal("https://b", ((FakeProviderWithUrl)registry.Find("fake", "ledger")!).Url);
        Assert.Null(registry.Find("fake"));
    }

    [Fact]
    public void Registry_WithAnInstanceMissingARequiredSetting_RefusesToStartNamingTheKey()
    {
        var e = Assert.Throws<ProviderSettingsException>(() => FromConfiguration(new() { ["Providers:fake:payments:Other"] = "x" }, new SettingsType()));
        Assert.Contains("Providers:fake:payments:Url", e.Message);
    }

    [Fact]
    public void Registry_WithSettingsForATypeItDoesNotHave_RefusesToStart()
    {
        var e = Assert.Throws<ProviderSettingsException>(() => FromConfiguration(new() { ["Providers:ldap:corp:Url"] = "x" }));
        Assert.Contains("'ldap'", e.Message);
    }

    [Fact]
    public void Unconfigured_NamesTheResourceTypeInstanceAndKey()
    {
        var registry = FromConfiguration([], new SettingsType());
        var resource = FakePolicy.Resource("payments-db") with { Provider = new ProviderSettings("fake", new Dictionary<string, string>(), "payments") };
        var problem = Assert.Single(registry.Unconfigured([resource]));
        Assert.Equal("The resource payments-db uses the fake provider instance 'payments', which is not configured. Set Providers:fake:payments:Url, or change the resource's provider.", problem);
    }

    [Fact]
    public async Task RecordOnly_GrantsRevokesAndChecks_Idempotently()
    {
        var provider = new RecordOnlyProvider(NullLogger<RecordOnlyProvider>.Instance);
        var grant = Grant();

        Assert.Equal(ProviderState.NotGranted, (await provider.CheckAsync(grant, Ct)).State);
        Assert.True((await provider.GrantAsync(grant, Ct)).Succeeded);
        Assert.True((await provider.GrantAsync(grant, Ct)).Succeeded);
        Assert.Equal(ProviderState.Granted, (await provider.CheckAsync(grant, Ct)).State);
        Assert.True((await provider.RevokeAsync(grant, Ct)).Succeeded);
        Assert.True((await provider.RevokeAsync(grant, Ct)).Succeeded);
        Assert.Equal(ProviderState.NotGranted, (await provider.CheckAsync(grant, Ct)).State);
        Assert.Equal("record", provider.Type);
    }

    [Fact]
    public void AccessKey_NamesProviderInstanceResourceAndUser()
    {
        Assert.Equal("record:default:staging-db:U0REQ", Grant().AccessKey);
        Assert.Equal(Grant("grt_1").AccessKey, Grant("grt_2").AccessKey);
    }

    [Fact]
    public void IssuedCredential_NeverShowsItsSecret()
    {
        var credential = new IssuedCredential("password", "s3cret-value", DateTimeOffset.UnixEpoch);
        var result = ProviderResult.Issued(credential);
        Assert.DoesNotContain("s3cret-value", credential.ToString());
        Assert.DoesNotContain("s3cret-value", result.ToString());
        Assert.Equal(16, credential.Fingerprint.Length);
        Assert.Contains(credential.Fingerprint, credential.ToString());
    }

    sealed class FakeProviderWithUrl(string url) : IAccessProvider
    {
        public string Url => url;
        public string Type => "fake";
        public Task<ProviderResult> GrantAsync(ProviderGrant grant, CancellationToken cancellationToken) => Task.FromResult(ProviderResult.Ok());
        public Task<ProviderResult> RevokeAsync(ProviderGrant grant, CancellationToken cancellationToken) => Task.FromResult(ProviderResult.Ok());
        public Task<ProviderCheck> CheckAsync(ProviderGrant grant, CancellationToken cancellationToken) => Task.FromResult(new ProviderCheck(ProviderState.Unknown));
    }

    sealed class SettingsType : IProviderType
    {
        public string Name => "fake";
        public IReadOnlyList<ProviderParameter> Parameters { get; } = [];
        public IReadOnlyList<string> RequiredSettings { get; } = ["Url"];
        public IEnumerable<string> Check(IReadOnlyDictionary<string, string> parameters) => [];
        public string AccessKey(IReadOnlyDictionary<string, string> parameters, string resourceId) => resourceId;
        public IAccessProvider Create(string instance, IConfigurationSection settings, IServiceProvider services) => new FakeProviderWithUrl(settings["Url"]!);
    }
}
