using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;

namespace JitBot.TestSupport.Storage;

/// <summary>
/// The PostgreSQL server the tests use: the one <c>JITBOT_TEST_POSTGRES</c> names (CI starts it with
/// <c>.ci/postgres.sh</c>), or else a throwaway cluster this process starts the same way when PostgreSQL is
/// installed (and stops when it exits). Without either, every test that needs it fails with one sentence saying
/// so: such tests never pass by doing nothing. Each caller gets a database of its own.
/// </summary>
public static partial class PostgresTestServer
{
    public const string Variable = "JITBOT_TEST_POSTGRES";
    public const string Missing = "PostgreSQL is needed for these tests: set JITBOT_TEST_POSTGRES or install postgresql.";

    static readonly Lazy<string> Admin = new(Find, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A connection string for a superuser, on the database <c>postgres</c>.</summary>
    public static string AdminConnectionString => Admin.Value;

    /// <summary>Creates an empty database <c>jitbot_test_…</c> and returns its connection string.</summary>
    public static string CreateDatabase()
    {
        var name = $"jitbot_test_{Guid.NewGuid():N}"[..24];
        using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            command.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabase"/>, closing whatever is still connected to it.</summary>
    public static void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Runs one statement as the superuser (to take a database away from JitBot and give it back, for one).</summary>
    public static void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    static string Find()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given) return given;
        if (!Directory.Exists("/usr/lib/postgresql")
            || !Directory.EnumerateDirectories("/usr/lib/postgresql").Any(d => File.Exists(Path.Combine(d, "bin", "initdb"))))
            throw new InvalidOperationException(Missing);
        var script = Path.Combine(RepositoryRoot(), ".ci", "postgres.sh");
        var start = Run(script, "start");
        var dir = Export().Match(start) is { Success: true } d ? d.Groups[1].Value : null;
        var connection = ConnectionExport().Match(start) is { Success: true } c ? c.Groups[1].Value : null;
        if (dir is null || connection is null) throw new InvalidOperationException($"{Missing} (.ci/postgres.sh start printed: {start.Trim()})");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Run(script, "stop", dir);
        return connection;
    }

    static string Run(string script, params string[] args)
    {
        var info = new ProcessStartInfo("bash", [script, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{Missing} (.ci/postgres.sh {args[0]} failed: {errors.Trim()})");
        return output;
    }

    static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "JitBot.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException(Missing);
    }

    [GeneratedRegex("JITBOT_PG_DIR='([^']+)'")]
    private static partial Regex Export();

    [GeneratedRegex("JITBOT_TEST_POSTGRES='([^']+)'")]
    private static partial Regex ConnectionExport();
}
