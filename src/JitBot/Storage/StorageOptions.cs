namespace JitBot.Storage;

/// <summary>Settings under <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";
    public const string ProviderKey = Section + ":" + nameof(Provider);
    public const string ConnectionStringKey = Section + ":" + nameof(ConnectionString);
    public const string DefaultProvider = "litedb";
    public const string DefaultConnectionString = "data/jitbot.db";

    /// <summary><c>Storage:Provider</c>: which database keeps JitBot's state (<c>litedb</c>, the default).</summary>
    public string Provider { get; set; } = DefaultProvider;

    /// <summary>
    /// <c>Storage:ConnectionString</c>: for LiteDB a connection string (<c>Filename=…;Connection=direct</c>) or a
    /// plain file path. The folder is created if missing.
    /// </summary>
    public string ConnectionString { get; set; } = DefaultConnectionString;

    /// <summary>
    /// <c>Storage:DurableCommits</c>. False (the default): a commit is handed to the operating system before it
    /// returns, so it survives a crash of the process, and a power cut may lose the last few commits; the
    /// grant rows a provider acts on are forced to disk anyway (<see cref="IAccessStore.FlushAsync"/>).
    /// True: every commit is on disk before it returns.
    /// </summary>
    public bool DurableCommits { get; set; }
}

/// <summary>
/// The database cannot be used: a file that cannot be opened, is locked by another process or is damaged.
/// <see cref="Exception.Message"/> is one sentence that names the setting and the cause (never a secret).
/// </summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
