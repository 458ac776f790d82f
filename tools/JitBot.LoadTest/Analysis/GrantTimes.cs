using System.Globalization;
using LiteDB;
using Npgsql;

namespace JitBot.LoadTest.Analysis;

/// <summary>One grant as the bot stored it: whose access to what, when it was due to end and when it ended (Unix ms).</summary>
internal sealed record GrantTime(string User, string Resource, long ExpiresMs, long? EndedMs);

/// <summary>
/// Reads every grant from the bot's database (LiteDB once the bot has stopped, PostgreSQL at any time) and says
/// how late the revocations were, and, with <c>--after</c>, how long after that moment (when <c>/healthz</c>
/// first answered) the last one ended.
/// </summary>
internal static class GrantTimes
{
    public static async Task<string> ReportAsync(Options o)
    {
        var grants = await ReadAsync(o.Text("provider"), o.Text("connection"));
        var ended = grants.Where(g => g.EndedMs is not null).ToList();
        var late = new Percentiles(ended.Select(g => (double)(g.EndedMs!.Value - g.ExpiresMs)));
        var text = string.Create(CultureInfo.InvariantCulture,
            $"grants: {grants.Count}, ended {ended.Count}, still active {grants.Count - ended.Count}; revoked after expiry: {late.Summary()}");
        var after = o.Long("after", 0);
        if (after > 0 && ended.Count > 0)
            text += string.Create(CultureInfo.InvariantCulture, $"; last ended {(ended.Max(g => g.EndedMs!.Value) - after) / 1000.0:F2} s after --after");
        return text;
    }

    public static async Task<List<GrantTime>> ReadAsync(string provider, string connection) =>
        provider == "postgres" ? await FromPostgresAsync(connection) : FromLiteDb(connection);

    static List<GrantTime> FromLiteDb(string connection)
    {
        using var db = new LiteDatabase(new ConnectionString(connection.Contains('=') ? connection : $"Filename={connection}") { ReadOnly = true });
        return db.GetCollection("grants").FindAll()
            .Select(d => new GrantTime(d["user_id"].AsString, d["resource_id"].AsString, d["expires_at"].AsInt64,
                d["ended_at"].IsNull ? null : d["ended_at"].AsInt64))
            .ToList();
    }

    static async Task<List<GrantTime>> FromPostgresAsync(string connection)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT user_id, resource_id, (EXTRACT(EPOCH FROM expires_at) * 1000)::bigint, (EXTRACT(EPOCH FROM ended_at) * 1000)::bigint FROM jitbot.grants", db);
        await using var reader = await command.ExecuteReaderAsync();
        var grants = new List<GrantTime>();
        while (await reader.ReadAsync())
            grants.Add(new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetInt64(3)));
        return grants;
    }
}
