using System.CommandLine;
using JitBot.Storage;
using JitBot.Storage.LiteDb;
using JitBot.Storage.Postgres;
using Microsoft.Extensions.Configuration;

namespace JitBot.Cli;

/// <summary>Where an offline command finds the store: from options, else from settings (see <see cref="CliStore"/>).</summary>
public sealed record CliStoreOptions(string? Provider, string? ConnectionString, string? SettingsDirectory = null);

/// <summary>
/// The store for the offline commands (<c>jitbot audit …</c>, <c>jitbot report</c>, <c>jitbot policy replay</c>):
/// the bot's settings (<c>Storage:Provider</c>, <c>Storage:ConnectionString</c> from appsettings.json, then the
/// environment, as the bot reads them), overridden by <c>--store litedb|postgres</c> and <c>--connection …</c>.
/// The store is opened without any of the bot's hosted services. Opening brings an older schema up to date, as
/// the bot would, and refuses a newer one. Every failure is a <see cref="StorageUnavailableException"/> with one
/// sentence. Close it with <see cref="Close"/>.
/// </summary>
public static class CliStore
{
    public static readonly Option<string> StoreOption = new("--store")
    {
        Description = "The database: litedb or postgres. Default: the setting Storage:Provider, else litedb.", HelpName = "litedb|postgres",
    };

    public static readonly Option<string> ConnectionOption = new("--connection")
    {
        Description = "The database's connection string (a LiteDB file path, or a PostgreSQL connection string). Default: the setting Storage:ConnectionString, else data/jitbot.db.",
        HelpName = "text",
    };

    /// <summary>Adds <c>--store</c> and <c>--connection</c> to <paramref name="command"/>.</summary>
    public static void AddOptions(Command command)
    {
        command.Options.Add(StoreOption);
        command.Options.Add(ConnectionOption);
    }

    /// <summary>The options given on the command line (settings fill in the rest when the store is opened).</summary>
    public static CliStoreOptions OptionsFrom(ParseResult result) =>
        new(result.GetValue(StoreOption), result.GetValue(ConnectionOption));

    /// <summary>The bot's settings as an offline command sees them: appsettings.json, then environment variables.</summary>
    public static IConfiguration Settings(string? directory = null) =>
        new ConfigurationBuilder()
            .SetBasePath(Path.GetFullPath(directory ?? Directory.GetCurrentDirectory()))
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();

    /// <summary>Opens (and checks) the store; see <see cref="CliStore"/>.</summary>
    public static async Task<IAccessStore> OpenAsync(CliStoreOptions options, CancellationToken ct)
    {
        var settings = Settings(options.SettingsDirectory);
        var provider = (options.Provider ?? settings[StorageOptions.ProviderKey] ?? StorageOptions.DefaultProvider).Trim().ToLowerInvariant();
        var connection = options.ConnectionString ?? settings[StorageOptions.ConnectionStringKey];
        return provider switch
        {
            "litedb" => await OpenLiteDbAsync(connection, ct).ConfigureAwait(false),
            "postgres" => await OpenPostgresAsync(connection, ct).ConfigureAwait(false),
            _ => throw new StorageUnavailableException(
                $"The store \"{Printable(provider)}\" is not one JitBot knows; use --store litedb or --store postgres (or the setting {StorageOptions.ProviderKey})."),
        };
    }

    /// <summary>Closes a store opened by <see cref="OpenAsync"/>.</summary>
    public static void Close(IAccessStore store) => (store as IDisposable)?.Dispose();

    static async Task<IAccessStore> OpenLiteDbAsync(string? connection, CancellationToken ct)
    {
        var path = LiteDbFile.ParseConnectionString(connection).Filename;
        if (!File.Exists(path))
            throw new StorageUnavailableException(
                $"There is no LiteDB database at {path}; give its path with --connection (or the setting {StorageOptions.ConnectionStringKey}).");
        if (IsLocked(path))
            throw new StorageUnavailableException(
                $"The LiteDB database {path} is open in a running JitBot (its lock file is held): stop the bot, or copy the file (with its -log file) and give the copy with --connection.");
        var store = new LiteDbAccessStore(connection ?? StorageOptions.DefaultConnectionString, new OutboxSignal(), TimeProvider.System);
        try
        {
            await store.MigrateAsync(ct).ConfigureAwait(false);
            CheckVersion(await store.SchemaVersionAsync(ct).ConfigureAwait(false), LiteDbMigrations.All.Max(m => m.Version));
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    static async Task<IAccessStore> OpenPostgresAsync(string? connection, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(connection))
            throw new StorageUnavailableException(
                $"No PostgreSQL connection string: give it with --connection or the setting {StorageOptions.ConnectionStringKey}.");
        var store = new PostgresAccessStore(connection, new OutboxSignal(), TimeProvider.System);
        try
        {
            // Read the version before migrating, so a newer schema is refused before anything is written.
            var known = PostgresMigrations.All.Max(m => m.Version);
            int before;
            try
            {
                before = await store.SchemaVersionAsync(ct).ConfigureAwait(false);
            }
            catch (Npgsql.PostgresException e) when (e.SqlState is "42P01" or "3F000")
            {
                throw new StorageUnavailableException("That PostgreSQL database holds no JitBot data (it has no jitbot schema yet).", e);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                await store.MigrateAsync(ct).ConfigureAwait(false); // throws the store's sentence for an unreachable database
                throw;
            }
            CheckVersion(before, known);
            await store.MigrateAsync(ct).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    static void CheckVersion(int stored, int known)
    {
        if (stored > known)
            throw new StorageUnavailableException(
                $"The database was written by a newer JitBot (schema version {stored}; this one knows up to {known}): use the JitBot version that runs the bot.");
    }

    static bool IsLocked(string path)
    {
        try
        {
            using var probe = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false; // LiteDbFile says so with its own sentence
        }
    }

    static string Printable(string value) => new(value.Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
