using JitBot.Common;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.Options;

namespace JitBot.Audit;

/// <summary>
/// Anchors the chain head outside the database: writes it to the checkpoint file (<see cref="AuditOptions.CheckpointPath"/>)
/// and queues it in the outbox for the admin channel (<see cref="NotificationKind.AuditAnchor"/>; without
/// <c>Slack:AdminChannel</c> only the file is written). The head is found by reading on from the last anchor, so
/// each anchor reads only the events written since.
/// </summary>
public sealed class AuditAnchor(IAccessStore store, IOptions<AuditOptions> audit, IOptions<StorageOptions> storage, IConfiguration configuration,
    TimeProvider time, ILogger<AuditAnchor> logger)
{
    readonly SemaphoreSlim _gate = new(1, 1);
    AuditCheckpoint? _last;
    bool _loaded;

    /// <summary>The checkpoint file's full path.</summary>
    public string CheckpointPath { get; } = AuditOptions.ResolveCheckpointPath(audit.Value.CheckpointPath, storage.Value.Provider, storage.Value.ConnectionString);

    /// <summary>When the head was last anchored (from the checkpoint file after a restart); null when never.</summary>
    public async Task<DateTimeOffset?> LastAnchoredAtAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            Load();
            return _last?.At;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Anchors the current head; returns it, or null when the log is empty.</summary>
    public async Task<AuditCheckpoint?> AnchorAsync(string why, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Load();
            var head = await HeadAsync(cancellationToken).ConfigureAwait(false);
            if (head is null) return null;
            var anchor = new AuditCheckpoint(head.Seq, head.Hash, time.GetUtcNow());
            anchor.WriteTo(CheckpointPath);
            _last = anchor;
            var channel = configuration["Slack:AdminChannel"];
            if (!string.IsNullOrWhiteSpace(channel))
            {
                await store.EnqueueNoticeAsync(NotificationKind.AuditAnchor, new RequestId($"anchor_{anchor.Seq}_{anchor.At.ToUnixTimeMilliseconds()}"),
                    NoticeLanes.Channel(channel.Trim()), anchor.ToJson(), anchor.At, cancellationToken).ConfigureAwait(false);
            }
            logger.LogInformation("Audit chain head anchored ({Why}): event {Seq}, hash {Hash}, in {Path}", why, anchor.Seq, anchor.Hash, CheckpointPath);
            return anchor;
        }
        finally
        {
            _gate.Release();
        }
    }

    async Task<AuditRecord?> HeadAsync(CancellationToken cancellationToken)
    {
        AuditRecord? head = null;
        var after = _last is { } last && last.Seq <= await store.LastAuditSeqAsync(cancellationToken).ConfigureAwait(false) ? last.Seq - 1 : 0;
        while (true)
        {
            var page = await store.ReadAuditAsync(after, AuditExport.Page, cancellationToken).ConfigureAwait(false);
            if (page.Count > 0) head = page[^1];
            if (page.Count < AuditExport.Page) return head;
            after = page[^1].Seq;
        }
    }

    void Load()
    {
        if (_loaded) return;
        _loaded = true;
        try
        {
            _last = AuditCheckpoint.ReadFrom(CheckpointPath);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("The audit checkpoint {Path} cannot be read ({Error}); it is written anew", CheckpointPath, LogText.Safe(e.Message));
        }
    }
}

/// <summary>
/// Anchors the chain head every <see cref="AuditOptions.AnchorEvery"/> (checked each minute, so a restart does not
/// reset the day) and once more when the host stops — best effort: the file is written at once, and the post,
/// queued in the outbox, goes out if the dispatcher is still running or else after the next start.
/// </summary>
public sealed class AuditAnchorService(AuditAnchor anchor, IOptions<AuditOptions> options, TimeProvider clock, ILogger<AuditAnchorService> log)
    : MinuteSweepService(clock, log, "audit anchor")
{
    readonly TimeProvider time = clock;
    readonly ILogger logger = log;

    protected override async Task SweepAsync(CancellationToken cancellationToken)
    {
        var last = await anchor.LastAnchoredAtAsync().ConfigureAwait(false);
        if (last is null || time.GetUtcNow() - last.Value >= options.Value.AnchorEvery)
            await anchor.AnchorAsync("daily", cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await anchor.AnchorAsync("shutdown", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "The audit chain head could not be anchored on shutdown");
        }
    }
}
