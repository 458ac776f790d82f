using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace JitBot.Audit;

/// <summary>The names of audit events. Stable strings: exports and reports key on them.</summary>
public static class AuditKinds
{
    public const string RequestSubmitted = "request.submitted";
    public const string RequestDecided = "request.decided";
    public const string VoteRecorded = "request.vote_recorded";
    public const string RequestApproved = "request.approved";
    public const string RequestRejected = "request.rejected";
    public const string RequestTimedOut = "request.timed_out";
    public const string GrantStarted = "grant.started";
    public const string GrantProvisioned = "grant.provisioned";
    public const string GrantFailed = "grant.failed";
    public const string GrantExpired = "grant.expired";
    public const string GrantRevokeSkipped = "grant.revoke_skipped";
    public const string GrantReasserted = "grant.reasserted";
    public const string GrantRevokeFailed = "grant.revoke_failed";
    public const string IncidentStarted = "incident.started";
    public const string IncidentEnding = "incident.ending";
    public const string IncidentEnded = "incident.ended";
    public const string IncidentGrantCutShort = "grant.cut_short";
    public const string IncidentChannelGrant = "incident.channel_grant";
    public const string RequestReminded = "request.reminded";
    public const string RequestEscalated = "request.escalated";
}

/// <summary>
/// One thing that happened, as it goes into the audit log. <see cref="Data"/> holds the details as flat
/// strings (sorted by key when hashed, so the same event always hashes the same).
/// </summary>
public sealed record AuditEvent(
    string Kind,
    DateTimeOffset At,
    string Actor,
    string? RequestId = null,
    string? GrantId = null,
    IReadOnlyDictionary<string, string?>? Data = null);

/// <summary>An audit event as stored: its position in the chain and the hashes that link it.</summary>
public sealed record AuditRecord(long Seq, AuditEvent Event, string PreviousHash, string Hash);

/// <summary>What <see cref="IAuditLog.VerifyAsync"/> found.</summary>
public sealed record AuditVerification(bool Intact, long EventsChecked, long? FirstBrokenSeq, string? Problem)
{
    public static AuditVerification Ok(long count) => new(true, count, null, null);
}

/// <summary>
/// The hash chain: <c>hash = SHA-256(previous hash + canonical event JSON)</c>, hex-encoded. The first
/// event's previous hash is <see cref="Genesis"/>.
/// </summary>
public static class AuditChain
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>
    /// The canonical JSON of an event: fixed property order, the time as Unix milliseconds, data keys sorted
    /// ordinally, no whitespace.
    /// </summary>
    public static string CanonicalJson(long seq, AuditEvent e)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            w.WriteNumber("seq", seq);
            w.WriteNumber("at", e.At.ToUnixTimeMilliseconds());
            w.WriteString("kind", e.Kind);
            w.WriteString("actor", e.Actor);
            w.WriteString("request", e.RequestId);
            w.WriteString("grant", e.GrantId);
            w.WriteStartObject("data");
            if (e.Data is not null)
            {
                foreach (var (key, value) in e.Data.OrderBy(p => p.Key, StringComparer.Ordinal))
                    w.WriteString(key, value);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string Hash(string previousHash, long seq, AuditEvent e)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(previousHash + CanonicalJson(seq, e)));
        return Convert.ToHexStringLower(bytes);
    }
}

/// <summary>
/// Walks the chain one record at a time, in order, from the genesis hash; the first record that does not
/// link or does not match its content ends the walk.
/// </summary>
public sealed class AuditChainVerifier
{
    string _previous = AuditChain.Genesis;
    long _lastSeq;

    public long Checked { get; private set; }
    public AuditVerification? Failure { get; private set; }

    /// <summary>Checks the next record; false (and <see cref="Failure"/> set) when the chain is broken there.</summary>
    public bool Check(AuditRecord r)
    {
        if (Failure is not null) return false;
        if (r.Seq != _lastSeq + 1)
            Failure = new(false, Checked, r.Seq, $"Event {_lastSeq + 1} is missing: the next stored event is {r.Seq}.");
        else if (!string.Equals(r.PreviousHash, _previous, StringComparison.Ordinal))
            Failure = new(false, Checked, r.Seq, $"Event {r.Seq} does not link to the event before it.");
        else if (!string.Equals(AuditChain.Hash(_previous, r.Seq, r.Event), r.Hash, StringComparison.Ordinal))
            Failure = new(false, Checked, r.Seq, $"Event {r.Seq} was changed after it was written: its hash does not match its content.");
        if (Failure is not null) return false;
        _previous = r.Hash;
        _lastSeq = r.Seq;
        Checked++;
        return true;
    }

    public AuditVerification Result => Failure ?? AuditVerification.Ok(Checked);

    public static AuditVerification Verify(IEnumerable<AuditRecord> records)
    {
        var verifier = new AuditChainVerifier();
        foreach (var r in records)
            if (!verifier.Check(r)) break;
        return verifier.Result;
    }
}

/// <summary>Reads and verifies the append-only audit log.</summary>
public interface IAuditLog
{
    Task<IReadOnlyList<AuditRecord>> ReadAsync(long afterSeq, int max, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditRecord>> ForRequestAsync(string requestId, CancellationToken cancellationToken);

    /// <summary>Recomputes the whole chain and reports the first event that does not match.</summary>
    Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken);
}
