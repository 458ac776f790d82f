using JitBot.Providers;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Providers;

public sealed class ProviderTests
{
    CancellationToken Ct => CancellationToken.None;

    static ProviderGrant Grant(string id = "grt_1") => new(id, "req_1", "U0REQ", FakePolicy.Resource("staging-db", "record"),
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1));

    [Fact]
    public void Registry_FindsProvidersByTypeIgnoringCase()
    {
        var record = new RecordOnlyProvider(NullLogger<RecordOnlyProvider>.Instance);
        var registry = new AccessProviderRegistry([record, new FakeProvider("webhook")]);

        Assert.Same(record, registry.Find("RECORD"));
        Assert.Equal("webhook", registry.Find("webhook")!.Type);
        Assert.Null(registry.Find("postgres"));
    }

    [Fact]
    public void Registry_WithTwoProvidersOfOneType_RefusesToStart()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new AccessProviderRegistry([new FakeProvider("x"), new FakeProvider("X")]));
        Assert.Contains("'X'", e.Message);
    }

    [Fact]
    public void Registry_WithoutAProviderForATypePoliciesMayName_RefusesToStart()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new AccessProviderRegistry([new FakeProvider("webhook")]));
        Assert.Contains($"'{ProviderTypes.Record}'", e.Message);
    }

    [Fact]
    public void EveryKnownProviderType_IsOneTheRecordOnlyProviderOrAnotherRegisteredProviderHas()
    {
        var registry = new AccessProviderRegistry([new RecordOnlyProvider(NullLogger<RecordOnlyProvider>.Instance)]);
        Assert.All(ProviderTypes.Known, type => Assert.NotNull(registry.Find(type)));
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
    public void AccessKey_NamesProviderResourceAndUser()
    {
        Assert.Equal("record:staging-db:U0REQ", Grant().AccessKey);
        Assert.Equal(Grant("grt_1").AccessKey, Grant("grt_2").AccessKey);
    }
}
