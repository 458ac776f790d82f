using System.Text.Json;
using System.Text.Json.Serialization;

namespace JitBot.Audit;

/// <summary>
/// The chain head anchored outside the database: event <see cref="Seq"/> had hash <see cref="Hash"/> when it was
/// anchored at <see cref="At"/>. A log that no longer holds that event with that hash was truncated or rewritten.
/// </summary>
public sealed record AuditCheckpoint(
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("at")] DateTimeOffset At)
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string ToJson(bool indented = false) => JsonSerializer.Serialize(this, indented ? Indented : JsonSerializerOptions.Default);

    /// <summary>Reads a checkpoint; null when the text is not one.</summary>
    public static AuditCheckpoint? FromJson(string json)
    {
        try
        {
            var c = JsonSerializer.Deserialize<AuditCheckpoint>(json);
            return c is { Seq: > 0, Hash.Length: 64 } ? c : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the file whole or not at all (a temporary file renamed over it); creates the folder.</summary>
    public void WriteTo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp"; // replicas or tests sharing the file never share the temporary
        File.WriteAllText(temp, ToJson(indented: true) + "\n");
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The checkpoint in <paramref name="path"/>; null when there is no such file; throws <see cref="FormatException"/> when it is not a checkpoint.</summary>
    public static AuditCheckpoint? ReadFrom(string path)
    {
        if (!File.Exists(path)) return null;
        return FromJson(File.ReadAllText(path))
               ?? throw new FormatException($"{path} is not an audit checkpoint (a JSON object with seq, hash and at).");
    }
}

/// <summary>Posts an anchored chain head (<see cref="Storage.NotificationKind.AuditAnchor"/>) to the admin channel; throws to be tried again.</summary>
public interface IAuditAnchorNotices
{
    Task SendAsync(string payload, CancellationToken cancellationToken);
}
