using System.Text;
using System.Text.Json;
using JitBot.Common;
using JitBot.Policies;

namespace JitBot.TestSupport.Policies;

/// <summary>
/// Writes a generated model (<see cref="PolicyGenerator"/>) as policy files, for the benchmarks and tests that
/// load policies as the bot does: all YAML, or with the catalog (people and resources) as JSON, as an
/// inventory export would be, and settings, teams, groups and rules as YAML. Generated models only: settings
/// beyond the incident channels, time windows other than business hours and provider settings are not written.
/// </summary>
internal static class PolicyWriter
{
    public static void Write(PolicyModel model, string dir, bool jsonCatalog = false)
    {
        Directory.CreateDirectory(dir);
        var sb = new StringBuilder();
        sb.AppendLine("policy:\n  incident_channels: \"^inc-\"");
        sb.AppendLine("teams:");
        foreach (var t in model.Teams) sb.AppendLine($"  - {{id: {t.Id}, channel: \"{t.Channel}\", approvers: {{group: \"{t.GroupHandle}\"}}}}");
        sb.AppendLine("groups:");
        foreach (var g in model.Groups) sb.AppendLine($"  - {{id: {g.Id}, handle: \"{g.Handle}\", tags: {Multi(g.Tags)}}}");
        File.WriteAllText(Path.Combine(dir, "teams.yaml"), sb.ToString());

        if (jsonCatalog)
        {
            WriteJsonCatalog(model, dir);
            WriteRules(model, dir, sb);
            return;
        }

        sb.Clear().AppendLine("people:");
        foreach (var p in model.People) sb.AppendLine($"  - {{slack: {p.SlackId}, tags: {Multi(p.Tags)}}}");
        File.WriteAllText(Path.Combine(dir, "people.yaml"), sb.ToString());

        foreach (var (chunk, i) in model.Resources.Chunk(10_000).Select((c, i) => (c, i)))
        {
            sb.Clear().AppendLine("resources:");
            foreach (var r in chunk)
                sb.AppendLine($"  - {{id: {r.Id}, description: \"{r.Description}\", tags: {{{string.Join(", ", r.Tags.Select(t => $"{t.Key}: {t.Value}"))}}}, provider: {{type: {r.ProviderType}}}}}");
            File.WriteAllText(Path.Combine(dir, $"resources-{i:D2}.yaml"), sb.ToString());
        }
        WriteRules(model, dir, sb);
    }

    static void WriteRules(PolicyModel model, string dir, StringBuilder sb)
    {
        foreach (var (chunk, i) in model.Rules.Chunk(2_000).Select((c, i) => (c, i)))
        {
            sb.Clear().AppendLine("rules:");
            foreach (var r in chunk) Rule(sb, r);
            File.WriteAllText(Path.Combine(dir, $"rules-{i:D2}.yaml"), sb.ToString());
        }
    }

    /// <summary>People and resources as JSON, one entry per line, 10,000 resources per file (the 4 MiB file limit).</summary>
    static void WriteJsonCatalog(PolicyModel model, string dir)
    {
        var options = new JsonWriterOptions { Indented = false };
        void Write(string file, string key, IEnumerable<Action<Utf8JsonWriter>> items)
        {
            using var stream = File.Create(Path.Combine(dir, file));
            stream.Write(Encoding.UTF8.GetBytes($"{{\"{key}\": [\n"));
            var first = true;
            foreach (var item in items)
            {
                if (!first) stream.Write(",\n"u8);
                first = false;
                using var w = new Utf8JsonWriter(stream, options);
                item(w);
            }
            stream.Write("\n]}\n"u8);
        }

        Write("people.json", "people", model.People.Select(p => (Action<Utf8JsonWriter>)(w =>
        {
            w.WriteStartObject();
            w.WriteString("slack", p.SlackId);
            w.WriteStartObject("tags");
            foreach (var (k, vs) in p.Tags)
            {
                if (vs.Length == 1) w.WriteString(k, vs[0]);
                else
                {
                    w.WriteStartArray(k);
                    foreach (var v in vs) w.WriteStringValue(v);
                    w.WriteEndArray();
                }
            }
            w.WriteEndObject();
            w.WriteEndObject();
        })));
        foreach (var (chunk, i) in model.Resources.Chunk(10_000).Select((c, i) => (c, i)))
            Write($"resources-{i:D2}.json", "resources", chunk.Select(r => (Action<Utf8JsonWriter>)(w =>
            {
                w.WriteStartObject();
                w.WriteString("id", r.Id);
                w.WriteString("description", r.Description);
                w.WriteStartObject("tags");
                foreach (var (k, v) in r.Tags) w.WriteString(k, v);
                w.WriteEndObject();
                w.WriteStartObject("provider");
                w.WriteString("type", r.ProviderType);
                w.WriteEndObject();
                w.WriteEndObject();
            })));
    }

    static void Rule(StringBuilder sb, RuleSpec r)
    {
        sb.AppendLine($"  - id: {r.Id}");
        sb.AppendLine($"    effect: {(r.Effect switch { RuleEffect.Deny => "deny", RuleEffect.Allow => "allow", _ => "require_approval" })}");
        sb.AppendLine($"    when: {Condition(r.When)}");
        if (r.Unless is not null) sb.AppendLine($"    unless: {Condition(r.Unless)}");
        if (r.DefaultDuration is not null || r.MaxDuration is not null)
            sb.AppendLine("    duration: {" + string.Join(", ", new[] { r.DefaultDuration is { } d ? $"default: {DurationText.Format(d)}" : null, r.MaxDuration is { } m ? $"max: {DurationText.Format(m)}" : null }.Where(x => x is not null)) + "}");
        if (r.Approval is { } a)
        {
            var parts = new List<string>();
            var groups = a.From.Where(f => f.Kind == ApproverKind.Group).Select(f => $"\"{f.Name}\"").ToArray();
            if (a.From.Any(f => f.Kind == ApproverKind.OwnerTeam)) parts.Add("from: owner-team");
            if (groups.Length > 0) parts.Add($"groups: [{string.Join(", ", groups)}]");
            parts.Add($"count: {a.Count}");
            sb.AppendLine("    approval: {" + string.Join(", ", parts) + "}");
        }
        if (r.AutoApprove is { } auto)
            sb.AppendLine(auto.Always ? "    auto_approve: true" : $"    auto_approve: [{string.Join(", ", auto.Any.Select(Condition))}]");
        if (r.RequireReason || r.Ticket is not null)
            sb.AppendLine("    require: {" + string.Join(", ", new[] { r.RequireReason ? "reason: true" : null, r.Ticket is { } t ? $"ticket: \"{t}\"" : null }.Where(x => x is not null)) + "}");
    }

    static string Condition(ConditionSpec c)
    {
        var parts = new List<string>();
        if (c.Principal.Count > 0) parts.Add($"principal: {Matchers(c.Principal)}");
        if (c.Resource.Count > 0) parts.Add($"resource: {Matchers(c.Resource)}");
        if (c.Joins.Count > 0) parts.Add("match: {" + string.Join(", ", c.Joins.Select(j => $"principal.{j.PrincipalKey}: resource.{j.ResourceKey}")) + "}");
        var context = new List<string>();
        if (c.Incident is { } i) context.Add($"incident: {(i ? "true" : "false")}");
        if (c.Time is { } t) context.Add("time: {days: Mon-Fri, hours: \"09:00-18:00\"}");
        if (context.Count > 0) parts.Add("context: {" + string.Join(", ", context) + "}");
        return "{" + string.Join(", ", parts) + "}";
    }

    static string Matchers(IReadOnlyList<TagMatcher> ms) => "{" + string.Join(", ", ms.Select(m =>
    {
        var values = m.Values.Length == 1 ? $"\"{m.Values[0]}\"" : "[" + string.Join(", ", m.Values.Select(v => $"\"{v}\"")) + "]";
        return m.Negated ? $"{m.Key}: {{not: {values}}}" : $"{m.Key}: {values}";
    })) + "}";

    static string Multi(IReadOnlyDictionary<string, string[]> tags) =>
        "{" + string.Join(", ", tags.Select(t => t.Value.Length == 1 ? $"{t.Key}: {t.Value[0]}" : $"{t.Key}: [{string.Join(", ", t.Value)}]")) + "}";
}
