using System.Diagnostics;
using System.Globalization;
using JitBot.Audit;
using JitBot.Storage;
using JitBot.Storage.LiteDb;

namespace JitBot.Benchmarks;

/// <summary>
/// <c>report-log &lt;file.db&gt; [grants]</c>: writes a LiteDB store whose audit log holds a year of grants (default
/// 100,000: a third approved by someone, the rest automatic; one in ten revoked early, one in twenty extended; one
/// denied request per ten grants), as the bot writes them. Then time <c>jitbot report --since 365d --connection
/// file.db</c> on it (docs/performance.md).
/// </summary>
static class ReportAuditLog
{
    public static int Run(string path, int grants)
    {
        var watch = Stopwatch.StartNew();
        var start = DateTimeOffset.UtcNow.AddDays(-365);
        var step = TimeSpan.FromDays(365) / grants;
        using var store = new LiteDbAccessStore(path, new OutboxSignal(), TimeProvider.System);
        var batch = new List<AuditEvent>(10_000);
        long events = 0;
        for (var i = 0; i < grants; i++)
        {
            var at = start + step * i;
            var request = $"req_{i:x8}";
            var grant = $"grt_{i:x8}";
            var user = $"U{i % 5000:D6}";
            var resource = $"res-{i % 2000:D4}";
            var approved = i % 3 == 0;
            Add(AuditKinds.RequestSubmitted, at, user, request, null, ("resource", resource), ("reason", $"INC-{i} checking the payouts job"), ("incident", "false"));
            Add(AuditKinds.RequestDecided, at, "policy", request, null, ("outcome", approved ? "ApprovalRequired" : "AutoApproved"), ("state", approved ? "Pending" : "Granted"));
            if (approved) Add(AuditKinds.RequestApproved, at.AddMinutes(3), $"U{(i + 7) % 5000:D6}", request, null, ("approvers", $"U{(i + 7) % 5000:D6}"));
            var begin = approved ? at.AddMinutes(3) : at;
            var end = begin.AddHours(1 + i % 4);
            Add(AuditKinds.GrantStarted, begin, approved ? "approver" : "policy", request, grant, ("user", user), ("resource", resource),
                ("grantedAt", begin.ToString("O", CultureInfo.InvariantCulture)), ("expiresAt", end.ToString("O", CultureInfo.InvariantCulture)));
            Add(AuditKinds.GrantProvisioned, begin, "jitbot", request, grant, ("provider", "record"));
            if (i % 20 == 0) Add(AuditKinds.GrantExtended, end.AddMinutes(-5), user, $"req_x{i:x8}", grant, ("newExpiresAt", end.AddHours(1).ToString("O", CultureInfo.InvariantCulture)));
            if (i % 10 == 1) Add(AuditKinds.GrantRevoked, begin.AddMinutes(20), user, request, grant, ("reason", "done early"));
            else Add(AuditKinds.GrantExpired, i % 20 == 0 ? end.AddHours(1) : end, "jitbot", request, grant, ("how", "expired"));
            if (i % 10 == 5) Add(AuditKinds.RequestSubmitted, at, user, request + "d", null, ("resource", "pii-export"), ("reason", "curious"));
            if (i % 10 == 5) Add(AuditKinds.RequestDecided, at, "policy", request + "d", null, ("outcome", "Denied"), ("state", "Denied"));
            if (batch.Count >= 5_000) Flush();
        }
        Flush();
        Console.WriteLine($"{grants} grants, {events} audit events written to {path} in {watch.Elapsed.TotalSeconds:F1} s");
        return 0;

        void Add(string kind, DateTimeOffset at, string actor, string? request, string? grant, params (string Key, string? Value)[] data) =>
            batch.Add(new AuditEvent(kind, at, actor, request, grant, data.ToDictionary(p => p.Key, p => p.Value)));

        void Flush()
        {
            var tx = store.BeginAsync(CancellationToken.None).GetAwaiter().GetResult();
            tx.AppendAuditAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
            tx.CommitAsync(CancellationToken.None).GetAwaiter().GetResult();
            tx.DisposeAsync().AsTask().GetAwaiter().GetResult();
            events += batch.Count;
            batch.Clear();
        }
    }
}
