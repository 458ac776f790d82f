using System.Globalization;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace JitBot.Providers.Postgres;

/// <summary>
/// One configured PostgreSQL instance (<c>Providers:postgres:{instance}:…</c>). The connection string is a
/// secret: it is only ever handed to Npgsql, never logged or shown.
/// </summary>
public sealed record PostgresSettings(string Instance, string ConnectionString, TimeSpan Timeout, TimeSpan CommandTimeout, string? UserTemplate)
{
    public const string ConnectionStringKey = "ConnectionString";
    public const string TimeoutKey = "Timeout";
    public const string CommandTimeoutKey = "CommandTimeout";
    public const string UserTemplateKey = "UserTemplate";

    /// <summary>The placeholder a <see cref="UserTemplate"/> replaces with the requester's Slack id.</summary>
    public const string SlackIdPlaceholder = "{slack_id}";

    /// <summary>The same Slack id in lower case, for database users created without quotes.</summary>
    public const string SlackIdLowerPlaceholder = "{slack_id_lower}";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Reads and checks an instance's settings; throws <see cref="ProviderSettingsException"/> naming the key that is wrong.</summary>
    public static PostgresSettings From(string instance, IConfigurationSection section)
    {
        string Key(string name) => $"{section.Path}:{name}";
        var connectionString = section[ConnectionStringKey];
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ProviderSettingsException($"{Key(ConnectionStringKey)} is not set: give it the connection string of the PostgreSQL server JitBot manages roles on.");
        try { _ = new NpgsqlConnectionStringBuilder(connectionString); }
        catch (ArgumentException)
        {
            // The text of the exception may quote the connection string, which holds a password.
            throw new ProviderSettingsException($"{Key(ConnectionStringKey)} is not a valid PostgreSQL connection string (Host=…;Username=…;Password=…;Database=…).");
        }
        var timeout = Seconds(section, TimeoutKey, DefaultTimeout, 1024);
        var commandTimeout = Seconds(section, CommandTimeoutKey, DefaultCommandTimeout, 3600);
        var template = section[UserTemplateKey];
        if (template is not null && !template.Contains(SlackIdPlaceholder, StringComparison.Ordinal) && !template.Contains(SlackIdLowerPlaceholder, StringComparison.Ordinal))
            throw new ProviderSettingsException($"{Key(UserTemplateKey)} must contain {SlackIdPlaceholder} or {SlackIdLowerPlaceholder}, or every person would get the same database user.");
        return new PostgresSettings(instance, connectionString, timeout, commandTimeout, string.IsNullOrWhiteSpace(template) ? null : template);
    }

    static TimeSpan Seconds(IConfigurationSection section, string key, TimeSpan fallback, int max)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1 || seconds > max)
            throw new ProviderSettingsException($"{section.Path}:{key} is '{text}'; give a whole number of seconds from 1 to {max}.");
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>The connection string with JitBot's timeouts in it (they win over any in the configured string).</summary>
    public string EffectiveConnectionString() => new NpgsqlConnectionStringBuilder(ConnectionString)
    {
        Timeout = (int)Timeout.TotalSeconds,
        CommandTimeout = (int)CommandTimeout.TotalSeconds,
        CancellationTimeout = 2000,
        ApplicationName = "jitbot",
    }.ConnectionString;

    /// <summary>Where the server is, for error sentences and logs: host and port, never the credentials.</summary>
    public string Where()
    {
        var b = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"{b.Host}:{b.Port}";
    }
}
