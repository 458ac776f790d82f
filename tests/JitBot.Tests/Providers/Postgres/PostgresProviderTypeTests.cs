using JitBot.Providers;
using JitBot.Providers.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Providers.Postgres;

public sealed class PostgresProviderTypeTests
{
    static IEnumerable<string> Problems(params (string Key, string Value)[] parameters) =>
        ProviderTypes.Problems(new PostgresProviderType(), parameters.ToDictionary(p => p.Key, p => p.Value));

    [Fact]
    public void PostgresType_IsListedOnce()
    {
        Assert.Single(ProviderTypes.All, t => t.Name == "postgres");
        Assert.IsType<PostgresProviderType>(ProviderTypes.Find("Postgres"));
    }

    [Fact]
    public void Check_AcceptsARoleWithEitherMode()
    {
        Assert.Empty(Problems(("role", "payments_readonly")));
        Assert.Empty(Problems(("role", "payments_readonly"), ("mode", "membership")));
        Assert.Empty(Problems(("role", "Payments Read\"Only"), ("mode", "login")));
    }

    [Fact]
    public void Check_WithoutARole_SaysARoleIsNeeded()
    {
        Assert.Contains(Problems(("mode", "login")), p => p.Contains("`role`", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_AnUnknownMode_NamesItAndTheModesThereAre()
    {
        var problem = Assert.Single(Problems(("role", "r"), ("mode", "superuser")));
        Assert.Contains("\"superuser\"", problem);
        Assert.Contains("membership or login", problem);
    }

    [Fact]
    public void Check_ARoleNamePostgresWouldCut_IsAProblem()
    {
        Assert.Contains(Problems(("role", new string('r', 64))), p => p.Contains("longer than 63 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_APasswordInTheCatalog_IsRefused()
    {
        Assert.Contains(Problems(("role", "r"), ("password", "hunter2")), p => p.Contains("`password` is not a parameter", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, "5", "Providers:postgres:payments:ConnectionString is not set")]
    [InlineData("Host=db;Password=s3cret;Bogus Key=1", "5", "Providers:postgres:payments:ConnectionString is not a valid")]
    [InlineData("Host=db;Password=s3cret", "0", "Providers:postgres:payments:Timeout is '0'")]
    [InlineData("Host=db;Password=s3cret", "five", "Providers:postgres:payments:Timeout is 'five'")]
    public void Settings_ThatAreMissingOrWrong_StopStartUpNamingTheKey_AndNeverTheSecret(string? connectionString, string timeout, string expected)
    {
        var e = Assert.Throws<ProviderSettingsException>(() => Create(("ConnectionString", connectionString), ("Timeout", timeout)));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("s3cret", e.Message);
    }

    [Fact]
    public void Settings_AUserTemplateWithoutThePlaceholder_IsRefused()
    {
        var e = Assert.Throws<ProviderSettingsException>(() => Create(("ConnectionString", "Host=db"), ("UserTemplate", "shared_user")));
        Assert.Contains("Providers:postgres:payments:UserTemplate must contain {slack_id}", e.Message);
    }

    [Fact]
    public void Settings_CommandTimeoutAndTimeout_GoIntoTheConnectionString()
    {
        var settings = PostgresSettings.From("payments", Section(("ConnectionString", "Host=db;Timeout=600;Command Timeout=0"), ("Timeout", "3"), ("CommandTimeout", "7")));
        var effective = new Npgsql.NpgsqlConnectionStringBuilder(settings.EffectiveConnectionString());
        Assert.Equal(3, effective.Timeout);
        Assert.Equal(7, effective.CommandTimeout);
    }

    static IAccessProvider Create(params (string Key, string? Value)[] settings)
    {
        var services = new ServiceCollection().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance).AddSingleton(typeof(ILogger<>), typeof(Logger<>)).BuildServiceProvider();
        return new PostgresProviderType().Create("payments", Section(settings), services);
    }

    static IConfigurationSection Section(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>($"Providers:postgres:payments:{s.Key}", s.Value)))
            .Build().GetSection("Providers:postgres:payments");
}
