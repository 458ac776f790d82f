using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace JitBot.Tests.Manifest;

/// <summary>
/// A JSON Schema (draft-07) validator for the keywords Slack's app-manifest schema uses: type, properties,
/// additionalProperties, patternProperties, required, $ref to local definitions, items, minItems, maxItems,
/// uniqueItems, minLength, maxLength, pattern, enum, anyOf, minProperties, maxProperties. Other keywords
/// (description, default, format, …) do not constrain and are ignored. No validator package is available
/// in the package feed, hence this.
/// </summary>
public sealed class JsonSchemaSubset(JsonObject root)
{
    public IReadOnlyList<string> Validate(JsonNode? instance)
    {
        var errors = new List<string>();
        Check(root, instance, "$", errors);
        return errors;
    }

    void Check(JsonNode? schemaNode, JsonNode? value, string path, List<string> errors)
    {
        if (schemaNode is JsonValue b && b.TryGetValue<bool>(out var allowed))
        {
            if (!allowed) errors.Add($"{path}: not allowed");
            return;
        }
        if (schemaNode is not JsonObject schema) return;

        if (schema["$ref"] is JsonValue reference)
        {
            Check(Resolve(reference.GetValue<string>()), value, path, errors);
        }
        if (schema["type"] is { } type && !MatchesType(type, value))
        {
            errors.Add($"{path}: expected {type.ToJsonString()}, got {Kind(value)}");
            return;
        }
        if (schema["enum"] is JsonArray options && !options.Any(o => JsonNode.DeepEquals(o, value)))
        {
            errors.Add($"{path}: not one of {options.ToJsonString()}");
        }
        if (schema["anyOf"] is JsonArray anyOf &&
            !anyOf.Any(alternative => { var e = new List<string>(); Check(alternative, value, path, e); return e.Count == 0; }))
        {
            errors.Add($"{path}: matches none of anyOf");
        }

        switch (value)
        {
            case JsonObject obj:
                CheckObject(schema, obj, path, errors);
                break;
            case JsonArray array:
                CheckArray(schema, array, path, errors);
                break;
            case JsonValue v when v.TryGetValue<string>(out var text):
                CheckString(schema, text, path, errors);
                break;
        }
    }

    void CheckObject(JsonObject schema, JsonObject obj, string path, List<string> errors)
    {
        var properties = schema["properties"] as JsonObject;
        var patterns = schema["patternProperties"] as JsonObject;
        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => r!.GetValue<string>()).Where(n => !obj.ContainsKey(n)))
                errors.Add($"{path}: missing required property '{name}'");
        }
        if (schema["minProperties"] is JsonValue min && obj.Count < min.GetValue<int>()) errors.Add($"{path}: too few properties");
        if (schema["maxProperties"] is JsonValue max && obj.Count > max.GetValue<int>()) errors.Add($"{path}: too many properties");

        foreach (var (name, child) in obj)
        {
            var childPath = $"{path}.{name}";
            var matched = false;
            if (properties?[name] is { } propertySchema)
            {
                matched = true;
                Check(propertySchema, child, childPath, errors);
            }
            if (patterns is not null)
            {
                foreach (var (pattern, patternSchema) in patterns.Where(p => Regex.IsMatch(name, p.Key)))
                {
                    matched = true;
                    Check(patternSchema, child, childPath, errors);
                }
            }
            if (!matched && schema.ContainsKey("additionalProperties"))
            {
                var additional = schema["additionalProperties"];
                if (additional is JsonValue a && a.TryGetValue<bool>(out var ok) && !ok)
                    errors.Add($"{childPath}: property not allowed");
                else
                    Check(additional, child, childPath, errors);
            }
        }
    }

    void CheckArray(JsonObject schema, JsonArray array, string path, List<string> errors)
    {
        if (schema["minItems"] is JsonValue min && array.Count < min.GetValue<int>()) errors.Add($"{path}: too few items");
        if (schema["maxItems"] is JsonValue max && array.Count > max.GetValue<int>()) errors.Add($"{path}: too many items");
        if (schema["uniqueItems"] is JsonValue unique && unique.GetValue<bool>())
        {
            for (var i = 0; i < array.Count; i++)
                for (var j = i + 1; j < array.Count; j++)
                    if (JsonNode.DeepEquals(array[i], array[j])) errors.Add($"{path}: items {i} and {j} are equal");
        }
        if (schema["items"] is JsonObject itemSchema)
        {
            for (var i = 0; i < array.Count; i++) Check(itemSchema, array[i], $"{path}[{i}]", errors);
        }
    }

    static void CheckString(JsonObject schema, string text, string path, List<string> errors)
    {
        if (schema["minLength"] is JsonValue min && text.Length < min.GetValue<int>()) errors.Add($"{path}: shorter than {min}");
        if (schema["maxLength"] is JsonValue max && text.Length > max.GetValue<int>()) errors.Add($"{path}: longer than {max}");
        if (schema["pattern"] is JsonValue pattern && !Regex.IsMatch(text, pattern.GetValue<string>()))
            errors.Add($"{path}: does not match {pattern}");
    }

    JsonNode? Resolve(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal)) throw new NotSupportedException("Only local $ref: " + reference);
        JsonNode? node = root;
        foreach (var part in reference[2..].Split('/')) node = node?[part.Replace("~1", "/").Replace("~0", "~")];
        return node ?? throw new InvalidOperationException("Unresolvable $ref " + reference);
    }

    static bool MatchesType(JsonNode type, JsonNode? value) => type switch
    {
        JsonArray types => types.Any(t => MatchesType(t!, value)),
        _ => type.GetValue<string>() switch
        {
            "object" => value is JsonObject,
            "array" => value is JsonArray,
            "string" => value is JsonValue v && v.TryGetValue<string>(out _),
            "boolean" => value is JsonValue v && v.TryGetValue<bool>(out _),
            "integer" => value is JsonValue v && v.TryGetValue<decimal>(out var d) && decimal.Truncate(d) == d,
            "number" => value is JsonValue v && v.TryGetValue<decimal>(out _),
            "null" => value is null,
            _ => true,
        },
    };

    static string Kind(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        _ => value.GetValueKind().ToString().ToLowerInvariant(),
    };
}
