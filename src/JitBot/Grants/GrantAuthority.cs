using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Grants;

/// <summary>Who someone is to a grant: its holder, an approver of its resource, or neither.</summary>
public enum GrantRole
{
    None,
    Holder,
    Approver,
}

/// <summary>
/// Who may act on a grant. The holder always may; an approver of the resource may revoke it: a member, right now
/// (never from a cache), of an approver set of the decision that granted it or of the owning team's approvers under
/// the current policy (<see cref="IPolicySnapshot.OwnerApproval"/>). When membership cannot be checked the answer is
/// <see cref="GrantRole.None"/> (fail closed) and the exception reaches the caller.
/// </summary>
public sealed class GrantAuthority(IAccessStore store, IPolicySource policies, IGroupDirectory directory)
{
    public async Task<GrantRole> RoleAsync(GrantRecord record, string userId, CancellationToken cancellationToken)
    {
        if (string.Equals(record.Grant.UserId, userId, StringComparison.Ordinal)) return GrantRole.Holder;
        var sets = new List<ApproverSet>();
        if (await store.FindRequestAsync(record.Grant.RequestId, cancellationToken).ConfigureAwait(false) is { Decision.Approval: { } plan })
            sets.AddRange(plan.Requirements.Select(r => r.Approvers));
        if (policies.Current.OwnerApproval(record.Grant.ResourceId) is { } owner)
            sets.AddRange(owner.Requirements.Select(r => r.Approvers));
        if (sets.Any(s => s.UserIds.Contains(userId, StringComparer.Ordinal))) return GrantRole.Approver;
        foreach (var group in sets.Select(s => s.SlackUserGroupId).OfType<string>().Where(g => g.Length > 0).Distinct(StringComparer.Ordinal))
            if (await directory.IsMemberNowAsync(userId, group, cancellationToken).ConfigureAwait(false))
                return GrantRole.Approver;
        return GrantRole.None;
    }

    /// <summary>The approvers of the grant's resource, for a sentence ("@payments-oncall").</summary>
    public async Task<string> ApproverNamesAsync(GrantRecord record, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        if (await store.FindRequestAsync(record.Grant.RequestId, cancellationToken).ConfigureAwait(false) is { Decision.Approval: { } plan })
            names.AddRange(plan.Requirements.Select(r => r.Approvers.Name));
        if (policies.Current.OwnerApproval(record.Grant.ResourceId) is { } owner)
            names.AddRange(owner.Requirements.Select(r => r.Approvers.Name));
        var distinct = names.Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 0 ? "its approvers" : string.Join(" or ", distinct);
    }
}
