using LiteDB;

namespace JitBot.Storage.LiteDb;

/// <summary>
/// Moves LiteDB's log into the data file on the writer thread, between transactions, when nothing waits for the
/// writer. LiteDB's own checkpoint (turned off when the file opens, <see cref="LiteDbFile"/>) runs inside whichever
/// commit finds the log past its size, and holds that commit's caller and every transaction queued behind it while
/// it writes the pages into the data file and forces it to disk. Here it runs once the writer has nothing queued and
/// the log holds <see cref="IdlePages"/> pages or more, and, so that the log cannot grow without bound under a load
/// that never lets up, after a transaction once it holds <see cref="MaxPages"/>.
/// A checkpoint is as safe here as inside a commit (<see cref="LiteDbFlusher"/>): it forces the data file before it
/// empties the log.
/// </summary>
internal sealed class LiteDbCheckpoints(LiteDatabase db, string logPath)
{
    /// <summary>LiteDB's own default size (8 MB): a checkpoint when the writer is idle.</summary>
    public const long IdlePages = 1000;

    /// <summary>A checkpoint after the next transaction, idle or not (80 MB).</summary>
    public const long MaxPages = 10_000;

    const int PageSize = 8192;
    DateTimeOffset _failedAt;

    /// <summary>Runs a checkpoint if one is due; <paramref name="idle"/>: nothing is queued for the writer.</summary>
    public void Between(bool idle)
    {
        var pages = LogPages();
        if (pages < (idle ? IdlePages : MaxPages)) return;
        // After a failure, a minute's pause before the next try, so a full disk does not stall every transaction.
        if (DateTimeOffset.UtcNow - _failedAt < TimeSpan.FromMinutes(1)) return;
        try
        {
            db.Checkpoint();
        }
        catch (Exception)
        {
            // Every commit stays in the log until one succeeds; a disk that fails this fails the commits too, loudly.
            _failedAt = DateTimeOffset.UtcNow;
            throw;
        }
    }

    long LogPages()
    {
        try
        {
            return new FileInfo(logPath).Length / PageSize;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
