using JitBot.Storage;
using JitBot.Storage.Postgres;
using JitBot.TestSupport.Storage;
using MsFakeTime = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace JitBot.Tests.Storage;

public sealed class PostgresStoreContractTests : StoreContractTests
{
    protected override ITestDatabase CreateDatabase() => new PostgresTestDatabase();
}

public sealed class PostgresReplicaContractTests : ReplicaContractTests
{
    protected override ITestDatabase CreateDatabase() => new PostgresTestDatabase();
}

/// <summary>What is particular to PostgreSQL: the connection string, its defaults, and what may reach a log.</summary>
public sealed class PostgresConnectionTests
{
    [Fact]
    public void ConnectionString_WithoutTimeoutsOrPoolSize_GetsJitBotsDefaults_AndKeepsWhatItSays()
    {
        var parsed = PostgresConnection.Parse("Host=db.internal;Database=jitbot;Username=jitbot;Password=s3cret;Maximum Pool Size=7");

        Assert.Equal((PostgresConnection.DefaultConnectTimeoutSeconds, PostgresConnection.DefaultCommandTimeoutSeconds, 7, "jitbot"),
            (parsed.Timeout, parsed.CommandTimeout, parsed.MaxPoolSize, parsed.ApplicationName));
        Assert.Equal(60, PostgresConnection.Parse("Host=db;Database=jitbot;Command Timeout=60").CommandTimeout);
    }

    [Theory]
    [InlineData("", "is not set for PostgreSQL")]
    [InlineData("data/jitbot.db", "is not set for PostgreSQL")]
    [InlineData("Database=jitbot;Username=jitbot", "names no Host")]
    [InlineData("Host=db.internal;Username=jitbot", "names no Database")]
    [InlineData("Host=db;Database=jitbot;Password=hunter2;Frobnicate=yes", "is not an Npgsql connection string")]
    public void UnusableConnectionString_IsRefused_WithASentenceNamingTheSetting(string setting, string why)
    {
        var refused = Assert.Throws<StorageUnavailableException>(() => PostgresConnection.Parse(setting));

        Assert.StartsWith($"The setting {StorageOptions.ConnectionStringKey} {why}", refused.Message);
        Assert.DoesNotContain("hunter2", refused.Message);
    }

    [Fact]
    public void Description_NamesTheServerAndDatabase_NeverTheUserOrPassword()
    {
        var description = PostgresConnection.Describe(PostgresConnection.Parse("Host=db.internal;Port=6432;Database=jitbot;Username=bot;Password=hunter2"));

        Assert.Equal("PostgreSQL db.internal:6432/jitbot", description);
    }

    [Fact]
    public async Task AServerThatIsNotThere_StopsMigrating_WithOneSentenceNamingTheSetting()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nobody listens there now
        await using var store = new PostgresAccessStore($"Host=127.0.0.1;Port={port};Database=jitbot;Username=jitbot;Password=hunter2", new OutboxSignal(),
            new MsFakeTime());

        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.MigrateAsync(CancellationToken.None));

        Assert.Equal($"The setting Storage:ConnectionString names PostgreSQL 127.0.0.1:{port}/jitbot, which cannot be reached (ConnectionRefused); " +
                     "check that the server is running and the Host and Port are right.", refused.Message);
    }

    [Fact]
    public async Task AWrongPassword_StopsMigrating_SayingSo_WithoutThePassword()
    {
        var database = new Npgsql.NpgsqlConnectionStringBuilder(PostgresTestServer.AdminConnectionString) { Password = "not-the-password" };
        await using var store = new PostgresAccessStore(database.ConnectionString, new OutboxSignal(), new MsFakeTime());

        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.MigrateAsync(CancellationToken.None));

        Assert.Contains($"which refused the user name or password (user {database.Username})", refused.Message);
        Assert.DoesNotContain("not-the-password", refused.Message);
    }
}
