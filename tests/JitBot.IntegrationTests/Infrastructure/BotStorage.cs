using JitBot.TestSupport.Storage;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// The database a bot under test keeps its state in: a LiteDB file in a new temporary folder, or a PostgreSQL
/// database of its own on the test server (<see cref="PostgresTestServer"/>). Removed when disposed.
/// </summary>
public sealed class BotStorage : IAsyncDisposable
{
    readonly Action _remove;

    BotStorage(string provider, string connectionString, Action remove)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _remove = remove;
    }

    public string Provider { get; }

    /// <summary><c>Storage:ConnectionString</c>: the file path, or the Npgsql connection string.</summary>
    public string ConnectionString { get; }

    public bool IsPostgres => Provider == "postgres";

    public static BotStorage LiteDb()
    {
        var path = BotHost.NewDatabasePath();
        return new("litedb", path, () =>
        {
            try { Directory.Delete(Path.GetDirectoryName(path)!, recursive: true); } catch (IOException) { }
        });
    }

    public static BotStorage Postgres()
    {
        var connectionString = PostgresTestServer.CreateDatabase();
        return new("postgres", connectionString, () => PostgresTestServer.DropDatabase(connectionString));
    }

    /// <summary>The settings as configuration keys (<c>Storage:Provider</c>, …).</summary>
    public IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Storage:Provider"] = Provider,
        ["Storage:ConnectionString"] = ConnectionString,
    };

    /// <summary>The settings as environment variables (<c>Storage__Provider</c>, …), for a bot process.</summary>
    public IDictionary<string, string?> Environment => Settings.ToDictionary(p => p.Key.Replace(":", "__", StringComparison.Ordinal), p => p.Value);

    public ValueTask DisposeAsync()
    {
        _remove();
        return ValueTask.CompletedTask;
    }
}
