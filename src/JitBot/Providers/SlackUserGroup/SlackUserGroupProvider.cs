using JitBot.Common;

namespace JitBot.Providers.SlackUserGroup;

/// <summary>
/// Puts the requester in a Slack user group for the grant and takes them out at its end. Slack only offers
/// "replace the whole list", so each change is read-modify-write on a fresh list: only the requester is added or
/// removed and everyone else stays. The write is then read back; when a change made in Slack at the same moment
/// undid it, the change is applied again on the newer list (up to <see cref="Attempts"/> times). Whether another
/// grant still covers the person is the ledger's call: this provider is asked to remove only when none does.
/// </summary>
public sealed class SlackUserGroupProvider(string instance, string? defaultGroup, IUserGroupMembership groups) : IAccessProvider
{
    public const int Attempts = 3;

    public string Type => SlackUserGroupType.Name;

    public Task<ProviderResult> GrantAsync(ProviderGrant grant, CancellationToken cancellationToken) =>
        ApplyAsync(grant, member: true, cancellationToken);

    public Task<ProviderResult> RevokeAsync(ProviderGrant grant, CancellationToken cancellationToken) =>
        ApplyAsync(grant, member: false, cancellationToken);

    public async Task<ProviderCheck> CheckAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        if (GroupOf(grant) is not { } group)
            return new ProviderCheck(ProviderState.Unknown, NoGroup(grant));
        try
        {
            var members = await groups.ListAsync(group, cancellationToken).ConfigureAwait(false);
            return new ProviderCheck(members.Contains(grant.UserId, StringComparer.Ordinal) ? ProviderState.Granted : ProviderState.NotGranted);
        }
        catch (UserGroupException e)
        {
            return new ProviderCheck(ProviderState.Unknown, e.Message);
        }
    }

    async Task<ProviderResult> ApplyAsync(ProviderGrant grant, bool member, CancellationToken cancellationToken)
    {
        if (GroupOf(grant) is not { } group)
            return ProviderResult.Failed(NoGroup(grant), retryable: false);
        var user = grant.UserId;
        try
        {
            for (var attempt = 1; attempt <= Attempts; attempt++)
            {
                var members = await groups.ListAsync(group, cancellationToken).ConfigureAwait(false);
                if (members.Contains(user, StringComparer.Ordinal) == member)
                    return ProviderResult.Ok(attempt == 1 ? Done(user, group, member) + " already" : Done(user, group, member));
                var wanted = member
                    ? members.Append(user).ToList()
                    : members.Where(m => !string.Equals(m, user, StringComparison.Ordinal)).ToList();
                if (wanted.Count == 0)
                    return ProviderResult.Failed(
                        $"{LogText.Safe(user)} is the last member of Slack user group {LogText.Safe(group)}, and JitBot never empties a group "
                        + "(Slack's update needs at least one member). Add a standing member to the group (for example its owner); JitBot tries again.");
                await groups.UpdateAsync(group, wanted, cancellationToken).ConfigureAwait(false);
                var after = await groups.ListAsync(group, cancellationToken).ConfigureAwait(false);
                if (after.Contains(user, StringComparer.Ordinal) == member)
                    return ProviderResult.Ok(Done(user, group, member));
                // Someone changed the group in Slack between our write and our read: apply the change again on their list.
            }
        }
        catch (UserGroupException e)
        {
            return ProviderResult.Failed(e.Message, e.Retryable);
        }
        return ProviderResult.Failed(
            $"Slack user group {LogText.Safe(group)} kept changing while JitBot {(member ? "added" : "removed")} {LogText.Safe(user)} ({Attempts} tries); it will be tried again.");
    }

    string? GroupOf(ProviderGrant grant) =>
        grant.Parameters.TryGetValue(SlackUserGroupType.GroupParameter, out var g) && g.Length > 0 ? g : defaultGroup;

    string NoGroup(ProviderGrant grant) =>
        $"Resource {LogText.Safe(grant.Resource.Id)} names no user group: give it provider parameter group: S… or set Providers:slack-usergroup:{instance}:Group.";

    static string Done(string user, string group, bool member) =>
        $"{LogText.Safe(user)} {(member ? "is in" : "is out of")} user group {LogText.Safe(group)}";

    public override string ToString() => $"slack-usergroup:{instance}";
}
