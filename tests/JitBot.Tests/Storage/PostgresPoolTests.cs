using JitBot.Grants;
using JitBot.Hosting;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.Storage.Postgres;
using Npgsql;

namespace JitBot.Tests.Storage;

/// <summary>How many connections a replica's two pools may open, from the settings that draw on them.</summary>
public sealed class PostgresPoolTests
{
    const string Setting = "Host=db.internal;Database=jitbot;Username=jitbot;Password=s3cret";

    [Theory]
    [InlineData(64, 8, 104)]
    [InlineData(1, 1, 34)]
    [InlineData(200, 32, 264)]
    public void TheStoresPool_IsRevocationsAndSendersAndRequestHeadroom(int revokeConcurrency, int senders, int expected)
    {
        var rule = PostgresPools.StoreRule(new GrantsOptions { RevokeConcurrency = revokeConcurrency }, new NotificationOptions { Senders = senders });

        Assert.Equal(expected, PostgresConnection.Parse(Setting, rule).MaxPoolSize);
    }

    [Fact]
    public void AMaxPoolSizeInTheConnectionString_IsKept_WhenItLeavesRoomBesideTheSenders()
    {
        var rule = PostgresPools.StoreRule(new GrantsOptions(), new NotificationOptions { Senders = 8 });

        Assert.Equal(12, PostgresConnection.Parse(Setting + ";Maximum Pool Size=12", rule).MaxPoolSize);
        var refused = Assert.Throws<StorageUnavailableException>(() => PostgresConnection.Parse(Setting + ";Maximum Pool Size=11", rule));
        Assert.StartsWith("The setting Storage:ConnectionString sets Maximum Pool Size=11, below the 12 connections JitBot needs at least", refused.Message);
        Assert.Contains("lower Notifications:Senders", refused.Message);
        Assert.DoesNotContain("s3cret", refused.Message);
    }

    [Fact]
    public void Quartz_HasAPoolOfItsOwn_SizedToItsThreads_ToldApartByItsApplicationName()
    {
        var grants = new GrantsOptions { RevokeConcurrency = 40 };
        var quartz = new NpgsqlConnectionStringBuilder(QuartzCluster.ConnectionString(new StorageOptions { ConnectionString = Setting + ";Maximum Pool Size=24" }, grants));
        var store = PostgresConnection.Parse(Setting + ";Maximum Pool Size=24", PostgresPools.StoreRule(grants, new NotificationOptions()));

        Assert.Equal(40 + PostgresPools.QuartzOwnThreads + PostgresPools.RequestHeadroom, quartz.MaxPoolSize);
        Assert.Equal(QuartzTuning.MaxConcurrency(grants) + 35, quartz.MaxPoolSize);
        Assert.Equal(24, store.MaxPoolSize); // the store's own setting does not shrink Quartz's pool
        Assert.Equal(("jitbot-quartz", "jitbot"), (quartz.ApplicationName, store.ApplicationName));
        Assert.Equal("jitbot", quartz.SearchPath);
        Assert.Equal((store.Host, store.Database, store.Username, store.Password), (quartz.Host, quartz.Database, quartz.Username, quartz.Password));
        Assert.NotEqual(store.ConnectionString, quartz.ConnectionString); // Npgsql pools per connection string
    }
}
