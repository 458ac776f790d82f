using JitBot.Storage;
using JitBot.Storage.LiteDb;
using JitBot.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>Reads what the running bot stored, to check what was (or was not) stored.</summary>
public static class Database
{
    /// <summary>Row counts of every collection (LiteDB) or every JitBot table (PostgreSQL, Quartz's own left out) in the bot's database.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> RowCountsAsync(BotHost bot)
    {
        if (bot.Services.GetRequiredService<IAccessStore>() is LiteDbAccessStore liteDb)
            return await liteDb.ReadAsync<IReadOnlyDictionary<string, long>>(
                db => db.GetCollectionNames().Order(StringComparer.Ordinal).ToDictionary(name => name, name => db.GetCollection(name).LongCount()),
                CancellationToken.None);

        var connectionString = bot.Services.GetRequiredService<IOptions<StorageOptions>>().Value.ConnectionString;
        await using var connection = new NpgsqlConnection(PostgresConnection.Parse(connectionString).ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'jitbot' AND table_name NOT LIKE 'qrtz%' ORDER BY table_name", connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        var counts = new Dictionary<string, long>();
        foreach (var table in tables)
        {
            await using var count = new NpgsqlCommand($"SELECT COUNT(*) FROM jitbot.{table}", connection);
            counts[table] = (long)(await count.ExecuteScalarAsync())!;
        }
        return counts;
    }
}
