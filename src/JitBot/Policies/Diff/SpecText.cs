using System.Text;

namespace JitBot.Policies.Diff;

/// <summary>
/// A canonical text for the parts of a policy a decision depends on (a rule, a team, a group, a person's or a
/// resource's tags), without where they are written: two versions whose texts are equal decide alike, so the
/// diff only re-decides what touches something whose text changed.
/// </summary>
internal static class SpecText
{
    public static string Rule(RuleSpec r)
    {
        var sb = new StringBuilder(160);
        sb.Append(r.Effect).Append("|when:");
        Condition(sb, r.When);
        sb.Append("|unless:");
        if (r.Unless is { } u) Condition(sb, u);
        sb.Append("|def:").Append(r.DefaultDuration?.Ticks).Append("|max:").Append(r.MaxDuration?.Ticks);
        if (r.Approval is { } a)
        {
            sb.Append("|approval:").Append(a.Count).Append(',').Append(a.Timeout?.Ticks).Append(',').Append(a.RemindAfter?.Ticks).Append(':');
            foreach (var f in a.From) Ref(sb, f);
            if (a.Escalate is { } e) { sb.Append("|escalate:").Append(e.After.Ticks); Ref(sb, e.To); }
        }
        if (r.AutoApprove is { } auto)
        {
            sb.Append("|auto:").Append(auto.Always);
            foreach (var c in auto.Any) { sb.Append('('); Condition(sb, c); sb.Append(')'); }
        }
        sb.Append("|reason:").Append(r.RequireReason).Append("|ticket:").Append(r.Ticket).Append("|msg:").Append(r.Message);
        return sb.ToString();
    }

    public static string Team(TeamSpec t) => $"{t.GroupHandle}|{string.Join(",", t.Users)}";

    public static string Group(GroupSpec g) => $"{g.Id}|{g.Handle}|{Tags(g.Tags)}";

    public static string Tags(IReadOnlyDictionary<string, string[]> tags) =>
        string.Join(";", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "=" + string.Join(",", t.Value.Order(StringComparer.Ordinal))));

    public static string Tags(IReadOnlyDictionary<string, string> tags) =>
        string.Join(";", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "=" + t.Value));

    /// <summary>The teams and group handles a rule names as approvers (besides the owning team).</summary>
    public static IEnumerable<string> NamedApprovers(RuleSpec r)
    {
        if (r.Approval is not { } a) yield break;
        foreach (var f in a.From) if (f.Name is { } n) yield return n;
        if (a.Escalate?.To.Name is { } e) yield return e;
    }

    static void Ref(StringBuilder sb, ApproverRef r) =>
        sb.Append('[').Append(r.Kind).Append(':').Append(r.Name).Append(':').AppendJoin(",", r.Users).Append(']');

    static void Condition(StringBuilder sb, ConditionSpec c)
    {
        Matchers(sb.Append("p{"), c.Principal).Append('}');
        Matchers(sb.Append("r{"), c.Resource).Append('}');
        foreach (var j in c.Joins) sb.Append("j{").Append(j.PrincipalKey).Append('=').Append(j.ResourceKey).Append('}');
        sb.Append("i:").Append(c.Incident).Append(",c:").Append(c.Channel).Append(",t:").Append(c.Time?.Text)
          .Append(c.Time?.Zone?.Id).Append(",l:").Append(c.IncidentLabel);
    }

    static StringBuilder Matchers(StringBuilder sb, IReadOnlyList<TagMatcher> ms)
    {
        foreach (var m in ms.OrderBy(m => m.Key, StringComparer.Ordinal))
            sb.Append(m.Negated ? "!" : "").Append(m.Key).Append('=').AppendJoin(",", m.Values.Order(StringComparer.Ordinal)).Append(';');
        return sb;
    }
}
