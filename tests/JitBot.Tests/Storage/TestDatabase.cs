using JitBot.Storage;
using JitBot.Storage.LiteDb;
using JitBot.Storage.Postgres;
using JitBot.TestSupport.Storage;

namespace JitBot.Tests.Storage;

/// <summary>
/// An empty database for one test, and how to open stores on it. Each store implementation brings one; the
/// contract suite (<see cref="StoreContractTests"/>) and <see cref="Fakes.CoreHarness"/> run on any of them.
/// </summary>
public interface ITestDatabase : IAsyncDisposable
{
    /// <summary>
    /// True when several stores (several replicas) may be open on the database at once; false for an embedded
    /// database, which refuses a second store while the first is open.
    /// </summary>
    bool AllowsSeveralStores { get; }

    /// <summary>Opens a store on this database, as a starting process does.</summary>
    IAccessStore Open(OutboxSignal signal, TimeProvider time);

    /// <summary>Closes a store opened here, as a stopping process does. Closing twice does nothing.</summary>
    void Close(IAccessStore store);
}

/// <summary>A LiteDB file in a fresh temporary folder, deleted afterwards.</summary>
public sealed class LiteDbTestDatabase : ITestDatabase
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("jitbot-tests-").FullName;
    public string FilePath => Path.Combine(Folder, "jitbot.db");
    public bool AllowsSeveralStores => false;

    public IAccessStore Open(OutboxSignal signal, TimeProvider time) => new LiteDbAccessStore(FilePath, signal, time);

    public void Close(IAccessStore store) => ((LiteDbAccessStore)store).Dispose();

    /// <summary>
    /// Makes the (closed) file look as it was written before outbox migration <paramref name="version"/>: the indexes
    /// on <paramref name="fields"/> dropped, the fields removed from every notice, the migration not recorded.
    /// </summary>
    public void AsBeforeOutboxMigration(int version, params string[] fields)
    {
        using var db = new LiteDB.LiteDatabase(LiteDbFile.ParseConnectionString(FilePath));
        var outbox = db.GetCollection("outbox", LiteDB.BsonAutoId.Int64);
        foreach (var field in fields) outbox.DropIndex(field);
        foreach (var doc in outbox.FindAll().ToList())
        {
            foreach (var field in fields) doc.Remove(field);
            outbox.Update(doc);
        }
        db.GetCollection("schema_version").Delete(version);
    }

    public ValueTask DisposeAsync()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A PostgreSQL database of its own on the test server (<see cref="PostgresTestServer"/>), dropped afterwards.
/// Several stores may be open on it at once, as several replicas would be.
/// </summary>
public sealed class PostgresTestDatabase : ITestDatabase
{
    public string ConnectionString { get; } = PostgresTestServer.CreateDatabase();
    public bool AllowsSeveralStores => true;

    /// <summary>Opens and migrates a store, as a starting replica does (the embedded store migrates on first use by itself).</summary>
    public IAccessStore Open(OutboxSignal signal, TimeProvider time)
    {
        var store = new PostgresAccessStore(ConnectionString, signal, time);
        store.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        return store;
    }

    public void Close(IAccessStore store) => ((PostgresAccessStore)store).Dispose();

    public ValueTask DisposeAsync()
    {
        PostgresTestServer.DropDatabase(ConnectionString);
        return ValueTask.CompletedTask;
    }
}
