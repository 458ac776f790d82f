using JitBot.Storage.LiteDb;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>Reads what the running bot stored, through its own store, to check what was (or was not) stored.</summary>
public static class Database
{
    /// <summary>Document counts of every collection in the bot's database.</summary>
    public static Task<IReadOnlyDictionary<string, long>> RowCountsAsync(BotHost bot) =>
        bot.Services.GetRequiredService<LiteDbAccessStore>().ReadAsync<IReadOnlyDictionary<string, long>>(
            db => db.GetCollectionNames().Order(StringComparer.Ordinal).ToDictionary(name => name, name => db.GetCollection(name).LongCount()),
            CancellationToken.None);
}
