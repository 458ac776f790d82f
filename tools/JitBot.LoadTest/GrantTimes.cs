using System.Globalization;
using LiteDB;
using Npgsql;

namespace JitBot.LoadTest;

/// <summary>
/// Reads every grant's expiry and end from the bot's database (LiteDB once the bot has stopped, PostgreSQL at any
/// time) and says how late the revocations were, and, with <c>--after</c>, how long after that moment (when
/// <c>/healthz</c> first answered) the last one ended.
/// </summary>
static class GrantTimes
{
    public static async Task<string> ReadAsync(Options o)
    {
        var grants = o.Provider == "postgres" ? await FromPostgresAsync(o.Connection) : FromLiteDb(o.Connection);
        var ended = grants.Where(g => g.EndedMs is not null).ToList();
        var late = ended.Select(g => (double)(g.EndedMs!.Value - g.ExpiresMs)).Order().ToArray();
        double P(double q) => late.Length == 0 ? double.NaN : late[Math.Min(late.Length - 1, (int)Math.Ceiling(q * late.Length) - 1)];
        var text = string.Create(CultureInfo.InvariantCulture,
            $"grants: {grants.Count}, ended {ended.Count}, still active {grants.Count - ended.Count}; revoked after expiry: " +
            $"p50 {P(0.50):F0} ms, p90 {P(0.90):F0} ms, p99 {P(0.99):F0} ms, max {(late.Length == 0 ? double.NaN : late[^1]):F0} ms");
        if (o.After > 0 && ended.Count > 0)
            text += string.Create(CultureInfo.InvariantCulture, $"; last ended {(ended.Max(g => g.EndedMs!.Value) - o.After) / 1000.0:F2} s after --after");
        return text;
    }

    sealed record GrantTime(long ExpiresMs, long? EndedMs);

    static List<GrantTime> FromLiteDb(string connection)
    {
        using var db = new LiteDatabase(new ConnectionString(connection.Contains('=') ? connection : $"Filename={connection}") { ReadOnly = true });
        return db.GetCollection("grants").FindAll()
            .Select(d => new GrantTime(d["expires_at"].AsInt64, d["ended_at"].IsNull ? null : d["ended_at"].AsInt64))
            .ToList();
    }

    static async Task<List<GrantTime>> FromPostgresAsync(string connection)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (EXTRACT(EPOCH FROM expires_at) * 1000)::bigint, (EXTRACT(EPOCH FROM ended_at) * 1000)::bigint FROM jitbot.grants", db);
        await using var reader = await command.ExecuteReaderAsync();
        var grants = new List<GrantTime>();
        while (await reader.ReadAsync()) grants.Add(new(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1)));
        return grants;
    }
}
