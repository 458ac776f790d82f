using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace JitBot.Storage.Postgres;

/// <summary>
/// <c>Storage:ConnectionString</c> for PostgreSQL: an Npgsql connection string, with JitBot's defaults for what
/// it leaves out (connect timeout 5 s, command timeout 15 s, the pool size the settings call for — see
/// <see cref="PostgresPoolSize"/> — and application name <c>jitbot</c>), and failures turned into one sentence
/// that names the setting and the cause — never the password.
/// </summary>
public static class PostgresConnection
{
    public const int DefaultConnectTimeoutSeconds = 5;
    public const int DefaultCommandTimeoutSeconds = 15;
    /// <summary>The pool when nobody says otherwise (tools and tests that build a store by hand): Npgsql's own default.</summary>
    public const int DefaultMaxPoolSize = 100;

    /// <summary>
    /// Reads the setting; a value that is not a usable Npgsql connection string, or whose <c>Maximum Pool Size</c> is
    /// below <paramref name="pool"/>'s least, stops with a sentence.
    /// </summary>
    public static NpgsqlConnectionStringBuilder Parse(string? setting, PostgresPoolSize? pool = null)
    {
        pool ??= new PostgresPoolSize(DefaultMaxPoolSize, 1, "");
        var text = setting?.Trim();
        if (string.IsNullOrEmpty(text) || text == StorageOptions.DefaultConnectionString)
            throw Invalid("is not set for PostgreSQL; give an Npgsql connection string such as Host=db.internal;Database=jitbot;Username=jitbot;Password=…");
        var given = new HashSet<string>(StringComparer.Ordinal);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            var plain = new DbConnectionStringBuilder { ConnectionString = text };
            foreach (string key in plain.Keys) given.Add(Normalize(key));
            builder = new NpgsqlConnectionStringBuilder(text);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // The exception's text may quote a value, which may be the password: it is not repeated.
            throw Invalid("is not an Npgsql connection string (Host=…;Port=5432;Database=…;Username=…;Password=…); check each key and value", e);
        }
        if (string.IsNullOrWhiteSpace(builder.Host))
            throw Invalid("names no Host; give the PostgreSQL server as Host=… (and Port=… when it is not 5432)");
        if (string.IsNullOrWhiteSpace(builder.Database))
            throw Invalid("names no Database; give the database JitBot keeps its tables in as Database=…");
        if (!given.Contains("timeout")) builder.Timeout = DefaultConnectTimeoutSeconds;
        if (!given.Contains("commandtimeout")) builder.CommandTimeout = DefaultCommandTimeoutSeconds;
        if (!given.Contains("maxpoolsize") && !given.Contains("maximumpoolsize")) builder.MaxPoolSize = pool.Default;
        else if (builder.MaxPoolSize < pool.Least)
            throw Invalid($"sets Maximum Pool Size={builder.MaxPoolSize}, below the {pool.Least} connections JitBot needs at least ({pool.Why}); " +
                          $"raise it, leave it out (JitBot then uses {pool.Default}), or lower {pool.LeastSetting}");
        if (!given.Contains("applicationname")) builder.ApplicationName = "jitbot";
        return builder;
    }

    static string Normalize(string key) => key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>"PostgreSQL db.internal:5432/jitbot": where, never who or with which password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder) => $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}";

    /// <summary>
    /// The sentence for a database JitBot cannot use, from what Npgsql or the server said. The server's own
    /// message is not repeated unless it is one of the causes named here, as it may quote the connection string.
    /// </summary>
    public static StorageUnavailableException Unreachable(NpgsqlConnectionStringBuilder builder, Exception error)
    {
        var where = Describe(builder);
        var why = error switch
        {
            PostgresException { SqlState: "28P01" or "28000" } =>
                $"refused the user name or password (user {builder.Username}); check the Username and Password in the setting",
            PostgresException { SqlState: "3D000" } =>
                $"has no database {builder.Database}; create it (CREATE DATABASE {builder.Database}) or name another",
            PostgresException { SqlState: "42501" } p =>
                $"refused JitBot a permission it needs ({p.MessageText}); the user needs to create tables in the database",
            PostgresException { SqlState: "57P03" } =>
                "is starting up or shutting down and does not accept connections yet; start JitBot again once it does",
            PostgresException p => $"answered with error {p.SqlState}: {p.MessageText}",
            NpgsqlException { InnerException: SocketException s } => $"cannot be reached ({s.SocketErrorCode}); check that the server is running and the Host and Port are right",
            NpgsqlException { InnerException: TimeoutException } or TimeoutException =>
                "did not answer in time; check that the server is running and reachable from here",
            NpgsqlException { InnerException: System.IO.IOException } =>
                "closed the connection; check that the server is running and accepts connections from here",
            _ => $"cannot be used ({error.GetType().Name}); check that the server is running and the setting is right",
        };
        return new StorageUnavailableException($"The setting {StorageOptions.ConnectionStringKey} names {where}, which {why}.", error);
    }

    static StorageUnavailableException Invalid(string why, Exception? inner = null) =>
        new($"The setting {StorageOptions.ConnectionStringKey} {why}.", inner);
}

/// <summary>
/// The pool of connections a store opens: <see cref="Default"/> when the connection string names no
/// <c>Maximum Pool Size</c>, and at least <see cref="Least"/> when it does (<see cref="Why"/> says why, naming
/// <see cref="LeastSetting"/>, the setting that would lower it).
/// </summary>
public sealed record PostgresPoolSize(int Default, int Least, string Why, string LeastSetting = "Notifications:Senders");
