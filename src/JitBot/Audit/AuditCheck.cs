using JitBot.Storage;

namespace JitBot.Audit;

/// <summary>What <see cref="AuditCheck"/> found: the chain's verdict, the first bad event's kind, and the checkpoint's.</summary>
public sealed record AuditCheckResult(AuditVerification Chain, string? BrokenKind, long LastSeq, string? CheckpointProblem)
{
    public bool Intact => Chain.Intact && CheckpointProblem is null;
}

/// <summary>
/// Checks the stored log: the whole hash chain (<see cref="IAuditLog.VerifyAsync"/>), then, given a checkpoint,
/// that the log still holds the anchored event with the anchored hash — which a log truncated, or rewritten with a
/// fresh chain, from some point before the anchor does not.
/// </summary>
public static class AuditCheck
{
    public static async Task<AuditCheckResult> RunAsync(IAuditStore store, IAuditLog log, AuditCheckpoint? checkpoint, CancellationToken ct)
    {
        var chain = await log.VerifyAsync(ct).ConfigureAwait(false);
        string? kind = null;
        if (chain.FirstBrokenSeq is { } bad)
            kind = (await store.ReadAuditAsync(bad - 1, 1, ct).ConfigureAwait(false)).FirstOrDefault(r => r.Seq == bad)?.Event.Kind;
        var last = await store.LastAuditSeqAsync(ct).ConfigureAwait(false);
        return new AuditCheckResult(chain, kind, last, checkpoint is null ? null : await CheckpointProblemAsync(store, checkpoint, last, ct).ConfigureAwait(false));
    }

    static async Task<string?> CheckpointProblemAsync(IAuditStore store, AuditCheckpoint anchor, long last, CancellationToken ct)
    {
        var at = anchor.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        if (last < anchor.Seq)
            return $"The log was truncated: it ends at event {last}, but event {anchor.Seq} was anchored on {at}.";
        var stored = (await store.ReadAuditAsync(anchor.Seq - 1, 1, ct).ConfigureAwait(false)).FirstOrDefault();
        if (stored is null || stored.Seq != anchor.Seq)
            return $"Event {anchor.Seq}, anchored on {at}, is missing from the log.";
        if (!string.Equals(stored.Hash, anchor.Hash, StringComparison.Ordinal))
            return $"Event {anchor.Seq} ({stored.Event.Kind}) has hash {Short(stored.Hash)}, but {Short(anchor.Hash)} was anchored on {at}: the log was rewritten at or before event {anchor.Seq}.";
        return null;
    }

    static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;
}
