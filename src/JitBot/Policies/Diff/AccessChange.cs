using JitBot.Common;

namespace JitBot.Policies.Diff;

/// <summary>What one version of a policy gives one principal on one resource: what the diff compares.</summary>
/// <param name="Needs">A field the request must carry to be granted ("reason", "ticket"), or empty.</param>
/// <param name="Approvers">Who approves ("1 of @payments-oncall and 1 of @security"), or empty.</param>
/// <param name="Max">The longest that may be granted, or null for no maximum.</param>
public sealed record Access(DecisionOutcome Outcome, string Needs, string Approvers, TimeSpan? Max)
{
    public static readonly Access Denied = new(DecisionOutcome.Denied, "", "", null);

    public bool Granted => Outcome != DecisionOutcome.Denied;

    /// <summary>
    /// Reads a decision made for the longest duration and without a reason: a denial only because a reason or ticket
    /// is missing is access that needs one (the approvers are then the ones the engine names once it is given).
    /// </summary>
    public static Access Of(Decision d)
    {
        if (d.Outcome == DecisionOutcome.Denied && (d.FieldProblems.Count == 0 || d.Rules.Count == 0)) return Denied;
        var needs = string.Join(" and ", d.FieldProblems.Select(f => f.Field).Where(f => f != "duration").Distinct());
        var outcome = d.Outcome;
        if (outcome == DecisionOutcome.Denied)
            outcome = d.Rules.Count == 1 && d.Rules[0].Role.StartsWith(DecisionBuilder.AutoApprovedRole, StringComparison.Ordinal)
                ? DecisionOutcome.AutoApproved : DecisionOutcome.ApprovalRequired;
        var approvers = d.Approval is { } plan ? string.Join(" and ", plan.Requirements.Select(r => $"{r.Count} of {r.Approvers.Name}")) : "";
        var max = d.Duration is { Capped: true, Cap: { } cap } ? cap : (TimeSpan?)null;
        return new Access(outcome, needs, approvers, max);
    }

    /// <summary>"denied", "automatic", "approval: 1 of @x", with a needed reason and the maximum.</summary>
    public string Text
    {
        get
        {
            if (!Granted) return "denied";
            var text = Outcome == DecisionOutcome.AutoApproved ? "automatic" : Approvers.Length > 0 ? $"approval: {Approvers}" : "approval";
            if (Needs.Length > 0) text += $", needs a {Needs}";
            return text + (Max is { } m ? $", max {DurationText.Humanize(m)}" : ", no maximum");
        }
    }
}

/// <summary>The kinds of change the diff reports, each in a table of its own.</summary>
public enum ChangeKind
{
    /// <summary>Denied before, granted (automatically or with approval) after.</summary>
    GainsAccess,
    /// <summary>Granted before, denied after.</summary>
    LosesAccess,
    /// <summary>Granted both times, but automatic ↔ approval, or a reason/ticket now (or no longer) needed.</summary>
    HowGranted,
    /// <summary>Approval both times, from different approvers.</summary>
    Approvers,
    /// <summary>Granted both times, with a different maximum duration.</summary>
    MaxDuration,
}

/// <summary>One principal × resource whose access differs between the versions.</summary>
public sealed record AccessChange(string Principal, string ResourceId, Access Before, Access After)
{
    public IEnumerable<ChangeKind> Kinds
    {
        get
        {
            if (!Before.Granted && After.Granted) { yield return ChangeKind.GainsAccess; yield break; }
            if (Before.Granted && !After.Granted) { yield return ChangeKind.LosesAccess; yield break; }
            if (!Before.Granted) yield break;
            if (Before.Outcome != After.Outcome || Before.Needs != After.Needs) yield return ChangeKind.HowGranted;
            if (Before.Outcome == DecisionOutcome.ApprovalRequired && After.Outcome == DecisionOutcome.ApprovalRequired && Before.Approvers != After.Approvers)
                yield return ChangeKind.Approvers;
            if (Before.Max != After.Max) yield return ChangeKind.MaxDuration;
        }
    }
}
