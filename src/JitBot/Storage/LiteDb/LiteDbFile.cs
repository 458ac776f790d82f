using System.Text;
using LiteDB;

namespace JitBot.Storage.LiteDb;

/// <summary>
/// The LiteDB database file: where it is (from <c>Storage:ConnectionString</c>), and opening it safely. The
/// file is held with a lock file beside it (<c>jitbot.db.lock</c>, opened exclusively) for as long as the
/// store is open, because LiteDB's direct mode does not stop a second process on Linux from writing the same
/// file. A file that is not a LiteDB database is refused before LiteDB touches it (LiteDB would otherwise
/// overwrite a short file with an empty database). Every failure is one sentence naming the setting and the cause.
/// </summary>
public sealed class LiteDbFile : IDisposable
{
    const int PageSize = 8192;

    /// <summary>
    /// LiteDB's own checkpoints are off (its <c>CHECKPOINT</c> pragma is 0): they ran inside whichever commit found the
    /// log past its size and held every transaction behind it; <see cref="LiteDbCheckpoints"/> runs them between
    /// transactions instead.
    /// </summary>
    public const int CheckpointPages = 0;
    const int HeaderInfoOffset = 32;
    const string HeaderInfo = "** This is a LiteDB file **";
    static readonly byte[] SqliteHeader = Encoding.ASCII.GetBytes("SQLite format 3\0");

    readonly FileStream _lock;
    readonly bool _encrypted;

    LiteDbFile(string path, LiteDatabase database, FileStream fileLock, bool encrypted)
    {
        Path = path;
        Database = database;
        _lock = fileLock;
        _encrypted = encrypted;
    }

    /// <summary>The database file's full path.</summary>
    public string Path { get; }

    public LiteDatabase Database { get; }

    /// <summary>LiteDB's log file beside the database (<c>jitbot-log.db</c>), where commits are written first.</summary>
    public string LogPath => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!,
        System.IO.Path.GetFileNameWithoutExtension(Path) + "-log" + System.IO.Path.GetExtension(Path));

    /// <summary>
    /// Reads <c>Storage:ConnectionString</c>: a LiteDB connection string (<c>Filename=…;Connection=direct</c>) or
    /// a plain file path; empty means <see cref="StorageOptions.DefaultConnectionString"/>.
    /// </summary>
    public static ConnectionString ParseConnectionString(string? setting)
    {
        var text = string.IsNullOrWhiteSpace(setting) ? StorageOptions.DefaultConnectionString : setting.Trim();
        if (!text.Contains('='))
            return new ConnectionString { Filename = System.IO.Path.GetFullPath(text), Connection = ConnectionType.Direct, Collation = Collation.Binary };
        if (text.Contains("Data Source", StringComparison.OrdinalIgnoreCase))
            throw Invalid("is an SQLite connection string; JitBot keeps its data in LiteDB now, so give a file path such as data/jitbot.db");
        ConnectionString parsed;
        try
        {
            parsed = new ConnectionString(text);
        }
        catch (Exception e) when (e is LiteException or ArgumentException or FormatException or InvalidCastException)
        {
            throw Invalid("is neither a file path nor a LiteDB connection string (Filename=path/to/jitbot.db;Connection=direct)", e);
        }
        if (string.IsNullOrWhiteSpace(parsed.Filename) || parsed.Filename == ":memory:" || parsed.Filename == ":temp:")
            throw Invalid("names no database file; give Filename=path/to/jitbot.db or just the path");
        if (parsed.Connection != ConnectionType.Direct)
            throw Invalid("asks for Connection=shared; JitBot is the only process that writes its database, so leave Connection out or set it to direct");
        if (parsed.ReadOnly)
            throw Invalid("asks for ReadOnly=true; JitBot writes every request, grant and audit event, so the database must be writable");
        if (text.Contains("Collation", StringComparison.OrdinalIgnoreCase))
            throw Invalid("sets a Collation; JitBot compares ids and access keys exactly (binary), so leave Collation out");
        parsed.Filename = System.IO.Path.GetFullPath(parsed.Filename);
        // Applies when the file is created: ids, access keys and Slack ids compare byte for byte, never ignoring case.
        parsed.Collation = Collation.Binary;
        return parsed;
    }

    /// <summary>
    /// Creates the folder if missing, takes the lock, checks the file, opens it and runs <paramref name="prepare"/>
    /// (the migrations) on it.
    /// </summary>
    public static LiteDbFile Open(ConnectionString connection, Action<LiteDatabase> prepare)
    {
        var path = connection.Filename;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw Unusable(path, $"is in a folder JitBot cannot create ({e.Message})", e);
        }

        FileStream fileLock;
        try
        {
            fileLock = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw Unusable(path, $"cannot be opened for writing ({e.Message})", e);
        }
        catch (IOException e)
        {
            throw Unusable(path, $"is in use by another process (its lock file {path}.lock is held): stop the other JitBot, or give this one its own file", e);
        }

        try
        {
            CheckIsLiteDb(path, connection.Password is not null);
            LiteDatabase? database = null;
            try
            {
                database = new LiteDatabase(connection);
                if (database.CheckpointSize != CheckpointPages) database.CheckpointSize = CheckpointPages;
                prepare(database);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                database?.Dispose();
                throw Unusable(path, $"could not be read as a LiteDB database ({e.GetType().Name}: {e.Message}); JitBot changed none of its data (LiteDB at most marks a damaged file as damaged) — restore it from a backup or point the setting at another file", e);
            }
            return new LiteDbFile(path, database, fileLock, connection.Password is not null);
        }
        catch
        {
            fileLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Forces the log file to disk, which makes every commit so far durable (the data file is only written,
    /// and flushed, by LiteDB's checkpoints). Runs on the flusher's thread (<see cref="LiteDbFlusher"/>) while the
    /// writer may be committing, and checkpointing, meanwhile; that is safe, see there. An encrypted file's data
    /// file is forced too, after the log: there LiteDB's checkpoint only hands the data file to the operating
    /// system, so a commit that a checkpoint moved out of the log while the log was forced is forced with it.
    /// </summary>
    public void FlushToDisk()
    {
        Force(LogPath);
        if (_encrypted) Force(Path);
    }

    static void Force(string file)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            stream.Flush(flushToDisk: true);
        }
        catch (FileNotFoundException)
        {
            // No log: everything is in the data file, which the checkpoint that emptied the log flushed.
        }
    }

    static void CheckIsLiteDb(string path, bool encrypted)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0) return; // a new database
        var header = new byte[Math.Min(PageSize, info.Length)];
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            file.ReadExactly(header);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unusable(path, $"cannot be read ({e.Message})", e);
        }
        if (header.AsSpan().StartsWith(SqliteHeader))
            throw Unusable(path, "is an SQLite database from an earlier JitBot; JitBot now keeps its data in LiteDB and left that file as it was — let its grants end or revoke them by hand, then move the file away or point the setting at a new file");
        var isLiteDb = encrypted
            ? header.Length == PageSize && header[0] == 1
            : header.Length >= HeaderInfoOffset + HeaderInfo.Length
              && Encoding.ASCII.GetString(header, HeaderInfoOffset, HeaderInfo.Length) == HeaderInfo;
        if (!isLiteDb)
            throw Unusable(path, "is not a LiteDB database, or its first page is damaged; JitBot left it as it was — restore it from a backup or point the setting at another file");
    }

    static StorageUnavailableException Invalid(string why, Exception? inner = null) =>
        new($"The setting {StorageOptions.ConnectionStringKey} {why}.", inner);

    static StorageUnavailableException Unusable(string what, string why, Exception? inner = null) =>
        new($"The setting {StorageOptions.ConnectionStringKey} names {what}, which {why}.", inner);

    public void Dispose()
    {
        Database.Dispose();
        _lock.Dispose();
    }
}
