namespace JitBot.Policies;

/// <summary>One approval click, with the approver's Slack user groups as looked up at the moment of the click.</summary>
public sealed record ApprovalVoteCheck(string ApproverId, IReadOnlyCollection<string> ApproverGroupIdsNow);

/// <summary>How far an approval plan has got: requirements still open and who counted.</summary>
public sealed record ApprovalProgress(bool Complete, IReadOnlyList<ApprovalRequirement> Missing, IReadOnlyList<string> Counted);

/// <summary>
/// Who may approve, and when a plan is satisfied. The requester never counts, whatever the policy says; a
/// group member counts only if they are in the group when they click (the caller looks membership up then).
/// One person's approval counts towards every requirement they qualify for.
/// </summary>
public static class ApprovalRules
{
    /// <summary>Whether <paramref name="approverId"/> may approve <paramref name="requirement"/> right now.</summary>
    public static bool Qualifies(ApprovalRequirement requirement, string requesterId, string approverId, IReadOnlyCollection<string> approverGroupIdsNow)
    {
        if (string.IsNullOrEmpty(approverId) || approverId == requesterId) return false;
        var set = requirement.Approvers;
        if (set.UserIds.Contains(approverId)) return true;
        return set.SlackUserGroupId is { } group && approverGroupIdsNow.Contains(group);
    }

    /// <summary>Whether the approver may approve anything in the plan right now.</summary>
    public static bool MayApprove(ApprovalPlan plan, string requesterId, string approverId, IReadOnlyCollection<string> approverGroupIdsNow) =>
        plan.Requirements.Any(r => Qualifies(r, requesterId, approverId, approverGroupIdsNow));

    /// <summary>Counts distinct qualifying approvers per requirement.</summary>
    public static ApprovalProgress Tally(ApprovalPlan plan, string requesterId, IEnumerable<ApprovalVoteCheck> votes)
    {
        var distinct = votes.GroupBy(v => v.ApproverId, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        var missing = new List<ApprovalRequirement>();
        var counted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in plan.Requirements)
        {
            var n = 0;
            foreach (var v in distinct)
            {
                if (!Qualifies(r, requesterId, v.ApproverId, v.ApproverGroupIdsNow)) continue;
                n++;
                counted.Add(v.ApproverId);
            }
            if (n < r.Count) missing.Add(r with { Count = r.Count - n });
        }
        return new ApprovalProgress(plan.Requirements.Count > 0 && missing.Count == 0, missing, counted.Order(StringComparer.Ordinal).ToArray());
    }
}
