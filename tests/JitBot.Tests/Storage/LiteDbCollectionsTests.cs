using JitBot.Storage;
using LiteDB;

namespace JitBot.Tests.Storage;

/// <summary>
/// LiteDB shows readers on other threads a collection that a still-open transaction is creating, and such a
/// reader fails and leaves the engine unusable; so migrations create every collection before any use.
/// </summary>
public sealed class LiteDbCollectionsTests
{
    [Fact]
    public async Task Migrate_CreatesEveryCollectionTheStoreUses_BeforeAnyReaderOrWriter()
    {
        await using var database = new LiteDbTestDatabase();
        var store = database.Open(new OutboxSignal(), TimeProvider.System);
        await store.MigrateAsync(CancellationToken.None);
        database.Close(store);

        using var db = new LiteDatabase($"Filename={database.FilePath};Connection=direct");
        var names = db.GetCollectionNames().ToHashSet(StringComparer.Ordinal);
        foreach (var expected in new[] { "requests", "grants", "outbox", "audit_events", "message_refs", "seen_keys", "incidents", "schema_version" })
            Assert.Contains(expected, names);
    }
}
