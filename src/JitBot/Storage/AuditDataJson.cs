using System.Text.Json;

namespace JitBot.Storage;

/// <summary>
/// How an audit event's <see cref="Audit.AuditEvent.Data"/> is kept: JSON text with the keys sorted (ordinal),
/// so a null value and the key order survive exactly, whichever store keeps it.
/// </summary>
public static class AuditDataJson
{
    public static string Serialize(IReadOnlyDictionary<string, string?>? data) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string?>(
            (data ?? new Dictionary<string, string?>()).ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, string?> Deserialize(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string?>>(json) ?? new Dictionary<string, string?>();
}
