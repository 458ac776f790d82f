using System.Text.Json;
using System.Text.Json.Serialization;
using JitBot.Policies;

namespace JitBot.Storage;

/// <summary>
/// How a <see cref="Decision"/> is kept in the store: System.Text.Json, camelCase, enums as strings,
/// durations as "d.hh:mm:ss". Reading what was written gives back an equal decision (lists compared item by item).
/// </summary>
public static class DecisionJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    public static string Serialize(Decision decision) => JsonSerializer.Serialize(decision, Options);

    public static Decision Deserialize(string json) =>
        JsonSerializer.Deserialize<Decision>(json, Options)
        ?? throw new InvalidOperationException("A stored decision is empty.");
}
