using Npgsql;

namespace JitBot.TestSupport.Postgres;

/// <summary>
/// A fresh database on the PostgreSQL server named by <c>JITBOT_TEST_POSTGRES</c> (which <c>.ci/run</c> and
/// <c>.ci/postgres.sh start</c> set), one per test class (or per test). Roles are cluster-wide, so every role a test makes
/// has a unique name from <see cref="NewName"/> and is dropped with the database. Without the variable the
/// tests fail and say how to start a server; they never pass silently. Test projects make it a fixture by
/// adding their framework's lifetime interface (the methods are here).
/// </summary>
public class PostgresTestDatabase
{
    public const string Variable = "JITBOT_TEST_POSTGRES";

    readonly List<string> _roles = [];
    readonly string _database = "jitbot_prov_" + Guid.NewGuid().ToString("N")[..12];
    string _admin = "";

    /// <summary>A connection string to this class's own database, as JitBot's administrator.</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _admin = Environment.GetEnvironmentVariable(Variable) ?? "";
        if (_admin.Length == 0) return;
        await ExecuteOnAsync(_admin, $"CREATE DATABASE {_database}");
        ConnectionString = new NpgsqlConnectionStringBuilder(_admin) { Database = _database, Pooling = false }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_admin.Length == 0) return;
        NpgsqlConnection.ClearAllPools();
        await ExecuteOnAsync(_admin, $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
        foreach (var role in _roles.AsEnumerable().Reverse())
            await ExecuteFormattedAsync(_admin, "DROP ROLE IF EXISTS %I", role);
    }

    /// <summary>Throws, saying how to get a server, when the tests were started without one.</summary>
    public void Require()
    {
        if (ConnectionString.Length == 0)
            throw new InvalidOperationException(
                $"These tests need a PostgreSQL server and {Variable} is not set. Run `eval \"$(bash .ci/postgres.sh start)\"` first (or run .ci/run, which does).");
    }

    /// <summary>A role name no other test uses, dropped at the end; <paramref name="stem"/> may hold any characters.</summary>
    public string NewName(string stem)
    {
        var name = stem + "_" + Guid.NewGuid().ToString("N")[..8];
        _roles.Add(name);
        return name;
    }

    /// <summary>A new role named from <paramref name="stem"/> (see <see cref="NewName"/>), created with <paramref name="options"/>.</summary>
    public async Task<string> NewRoleAsync(string stem, string options = "")
    {
        var name = NewName(stem);
        await CreateRoleAsync(name, options);
        return name;
    }

    /// <summary>Drops <paramref name="name"/> at the end too (for a role whose name a policy fixes).</summary>
    public string DropAtEnd(string name)
    {
        _roles.Add(name);
        return name;
    }

    /// <summary>Creates a role through the server's own quoting (<c>format('%I')</c>), not JitBot's.</summary>
    public Task CreateRoleAsync(string name, string options = "") => ExecuteFormattedAsync(ConnectionString, "CREATE ROLE %I " + options, name);

    public async Task<bool> RoleExistsAsync(string name) =>
        await ScalarAsync("SELECT count(*) FROM pg_roles WHERE rolname = $1", name) is 1L;

    public async Task<bool> IsMemberAsync(string role, string member) =>
        await ScalarAsync(
            "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = $1 AND u.rolname = $2",
            role, member) is 1L;

    public async Task<object?> ScalarAsync(string sql, params object[] parameters)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return await cmd.ExecuteScalarAsync();
    }

    /// <summary>Runs <paramref name="format"/> after the server has put the names into it with <c>format()</c>.</summary>
    async Task ExecuteFormattedAsync(string connectionString, string format, params string[] names)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        string sql;
        await using (var f = new NpgsqlCommand($"SELECT format($1, {string.Join(", ", names.Select((_, i) => $"${i + 2}"))})", conn))
        {
            f.Parameters.AddWithValue(format);
            foreach (var n in names) f.Parameters.AddWithValue(n);
            sql = (string)(await f.ExecuteScalarAsync())!;
        }
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    static async Task ExecuteOnAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
