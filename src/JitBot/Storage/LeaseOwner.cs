namespace JitBot.Storage;

/// <summary>Names for lease owners: this process (machine, process id) plus what holds the lease and a random part.</summary>
public static class LeaseOwner
{
    static readonly string Process = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>A new, unique owner name, e.g. <c>web-1/4711/outbox/6f1c2a9e</c>.</summary>
    public static string New(string purpose) => $"{Process}/{purpose}/{Guid.NewGuid():N}";
}
