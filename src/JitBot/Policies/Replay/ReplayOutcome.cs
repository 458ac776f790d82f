using System.Globalization;
using JitBot.Common;

namespace JitBot.Policies.Replay;

/// <summary>
/// What a decision gives one request, as replay compares it: the outcome, who approves ("1 of @payments-oncall",
/// requirements sorted, joined by " and " as <see cref="Diff.Access"/> writes them) and the duration it grants.
/// <see cref="Why"/> only explains a denial (the deny rules or the missing fields); it is shown, never compared.
/// </summary>
public sealed record ReplayOutcome(DecisionOutcome Outcome, string Approvers, TimeSpan? Granted, string Why)
{
    /// <summary>What the engine decided.</summary>
    public static ReplayOutcome Of(Decision d)
    {
        var denied = d.Outcome == DecisionOutcome.Denied;
        var why = !denied ? ""
            : d.Rules.Where(r => r.Effect == RuleEffect.Deny).Select(r => r.RuleId).ToList() is { Count: > 0 } rules ? "by " + string.Join(", ", rules)
            : d.FieldProblems.Count > 0 ? "needs a " + string.Join(" and ", d.FieldProblems.Select(p => p.Field).Distinct())
            : "";
        return new ReplayOutcome(d.Outcome,
            d.Approval is { } plan && !denied ? Sorted(plan.Requirements.Select(r => $"{r.Count} of {r.Approvers.Name}")) : "",
            denied ? null : d.Duration?.Granted, why);
    }

    /// <summary>
    /// What a <c>request.decided</c> event recorded (keys <c>outcome</c>, <c>approvers</c> as "1 of @x;1 of @y",
    /// <c>grantedDuration</c> as "c", <c>rules</c> as "id:role,…", <c>fieldProblems</c> as "field: message;…"), or
    /// null when its outcome cannot be read. A granted duration that is missing or unreadable is null: not compared.
    /// </summary>
    public static ReplayOutcome? FromEvent(IReadOnlyDictionary<string, string?> data)
    {
        if (data.GetValueOrDefault("outcome") is not { } text || !Enum.TryParse<DecisionOutcome>(text, ignoreCase: false, out var outcome) ||
            !Enum.IsDefined(outcome))
            return null;
        var denied = outcome == DecisionOutcome.Denied;
        TimeSpan? granted = !denied && TimeSpan.TryParseExact(data.GetValueOrDefault("grantedDuration"), "c", CultureInfo.InvariantCulture, out var g) ? g : null;
        var approvers = denied ? "" : Sorted((data.GetValueOrDefault("approvers") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var why = "";
        if (denied)
        {
            var denyRules = (data.GetValueOrDefault("rules") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(r => r.Split(':', 2)).Where(p => p.Length == 2 && p[1] == "denied").Select(p => p[0]).ToList();
            var fields = (data.GetValueOrDefault("fieldProblems") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split(':', 2)[0].Trim()).Where(f => f.Length > 0).Distinct().ToList();
            why = denyRules.Count > 0 ? "by " + string.Join(", ", denyRules) : fields.Count > 0 ? "needs a " + string.Join(" and ", fields) : "";
        }
        return new ReplayOutcome(outcome, approvers, granted, why);
    }

    /// <summary>
    /// Whether <paramref name="after"/> decides the request differently: another outcome; approval both times from
    /// other approvers; or granted both times for another duration (when both durations are known).
    /// </summary>
    public bool DiffersFrom(ReplayOutcome after) =>
        Outcome != after.Outcome ||
        (Outcome == DecisionOutcome.ApprovalRequired && !string.Equals(Approvers, after.Approvers, StringComparison.Ordinal)) ||
        (Outcome != DecisionOutcome.Denied && Granted is { } before && after.Granted is { } now && before != now);

    /// <summary>"denied by no-contractors", "denied, needs a reason", "automatic, 2 hours", "approval: 1 of @payments-oncall, 1 hour".</summary>
    public string Text => Outcome switch
    {
        DecisionOutcome.Denied => Why.Length == 0 ? "denied" : Why.StartsWith("by ", StringComparison.Ordinal) ? $"denied {Why}" : $"denied, {Why}",
        DecisionOutcome.AutoApproved => "automatic" + For,
        _ => (Approvers.Length > 0 ? $"approval: {Approvers}" : "approval") + For,
    };

    string For => Granted is { } g ? $", {DurationText.Humanize(g)}" : "";

    static string Sorted(IEnumerable<string> requirements) => string.Join(" and ", requirements.Order(StringComparer.Ordinal));
}
