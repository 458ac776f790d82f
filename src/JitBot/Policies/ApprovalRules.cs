namespace JitBot.Policies;

/// <summary>
/// One approval that was recorded: who approved, and the indexes of the plan's requirements they qualified for
/// at the moment they clicked (see <see cref="ApprovalRules.CountsFor"/>).
/// </summary>
public sealed record CountedApproval(string ApproverId, IReadOnlyCollection<int> CountsFor);

/// <summary>How far an approval plan has got: the requirements still open, each with the number still needed.</summary>
public sealed record ApprovalProgress(bool Complete, IReadOnlyList<ApprovalRequirement> Missing);

/// <summary>
/// Who may approve, and when a plan is satisfied. The requester never counts, whatever the policy says; a
/// group member counts only if they are in the group when they click (the caller looks membership up then,
/// for the groups <see cref="GroupsToCheck"/> names). One person's approval counts towards every requirement
/// they qualify for, and once per requirement however often they click.
/// </summary>
public static class ApprovalRules
{
    /// <summary>
    /// The Slack user groups whose membership decides which requirements <paramref name="approverId"/> counts
    /// for: the groups of the requirements that do not name them directly. Empty for the requester.
    /// </summary>
    public static IReadOnlyList<string> GroupsToCheck(ApprovalPlan plan, string requesterId, string approverId, bool escalated = false)
    {
        if (!MayCount(requesterId, approverId)) return [];
        return Sets(plan, escalated)
            .Where(s => !s.UserIds.Contains(approverId, StringComparer.Ordinal) && !string.IsNullOrEmpty(s.SlackUserGroupId))
            .Select(s => s.SlackUserGroupId!)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The approver sets whose members may decide: the requirements', and the escalation's once the request was escalated.</summary>
    static IEnumerable<ApproverSet> Sets(ApprovalPlan plan, bool escalated)
    {
        foreach (var r in plan.Requirements) yield return r.Approvers;
        if (escalated && plan.Escalation is { } e) yield return e.Approvers;
    }

    /// <summary>Whether someone in <paramref name="approverGroupIdsNow"/> right now is in <paramref name="set"/>.</summary>
    static bool InSet(ApproverSet set, string approverId, IReadOnlyCollection<string> approverGroupIdsNow) =>
        set.UserIds.Contains(approverId, StringComparer.Ordinal)
        || (!string.IsNullOrEmpty(set.SlackUserGroupId) && approverGroupIdsNow.Contains(set.SlackUserGroupId, StringComparer.Ordinal));

    /// <summary>Whether <paramref name="approverId"/>, in <paramref name="approverGroupIdsNow"/> right now, may approve <paramref name="requirement"/>.</summary>
    public static bool Qualifies(ApprovalRequirement requirement, string requesterId, string approverId, IReadOnlyCollection<string> approverGroupIdsNow) =>
        MayCount(requesterId, approverId) && InSet(requirement.Approvers, approverId, approverGroupIdsNow);

    /// <summary>
    /// The indexes of the requirements <paramref name="approverId"/> counts towards; empty when they may not approve.
    /// Once the request was <paramref name="escalated"/>, a member of the escalation's set counts towards every requirement.
    /// </summary>
    public static IReadOnlyList<int> CountsFor(ApprovalPlan plan, string requesterId, string approverId, IReadOnlyCollection<string> approverGroupIdsNow, bool escalated = false)
    {
        if (escalated && plan.Escalation is { } e && MayCount(requesterId, approverId) && InSet(e.Approvers, approverId, approverGroupIdsNow))
            return Enumerable.Range(0, plan.Requirements.Count).ToArray();
        return Enumerable.Range(0, plan.Requirements.Count)
            .Where(i => Qualifies(plan.Requirements[i], requesterId, approverId, approverGroupIdsNow))
            .ToArray();
    }

    /// <summary>Counts distinct approvers per requirement, each for what they qualified for when they clicked.</summary>
    public static ApprovalProgress Tally(ApprovalPlan plan, string requesterId, IEnumerable<CountedApproval> approvals)
    {
        var counting = approvals.Where(a => MayCount(requesterId, a.ApproverId)).ToList();
        var missing = new List<ApprovalRequirement>();
        for (var i = 0; i < plan.Requirements.Count; i++)
        {
            var requirement = plan.Requirements[i];
            var have = counting.Where(a => a.CountsFor.Contains(i)).Select(a => a.ApproverId).Distinct(StringComparer.Ordinal).Count();
            if (have < requirement.Count) missing.Add(requirement with { Count = requirement.Count - have });
        }
        return new ApprovalProgress(plan.Requirements.Count > 0 && missing.Count == 0, missing);
    }

    static bool MayCount(string requesterId, string approverId) =>
        !string.IsNullOrEmpty(approverId) && !string.Equals(approverId, requesterId, StringComparison.Ordinal);
}
