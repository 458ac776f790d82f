using JitBot.Common;
using JitBot.Providers.SlackUserGroup;
using JitBot.Slack.Api;

namespace JitBot.SlackApp;

/// <summary>
/// The <c>slack-usergroup</c> provider's Slack calls: <c>usergroups.users.list</c> and <c>usergroups.users.update</c>,
/// with Slack's error codes turned into sentences that say what to fix.
/// </summary>
public sealed class SlackUserGroupMembership(ISlackApiClient slack) : IUserGroupMembership
{
    public async Task<IReadOnlyList<string>> ListAsync(string groupId, CancellationToken cancellationToken)
    {
        try
        {
            return await slack.UserGroups.UsersListAsync(groupId, cancellationToken);
        }
        catch (SlackApiException e)
        {
            throw Explain(e, groupId);
        }
    }

    public async Task UpdateAsync(string groupId, IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        try
        {
            await slack.UserGroups.UsersUpdateAsync(groupId, userIds, cancellationToken);
        }
        catch (SlackApiException e)
        {
            throw Explain(e, groupId);
        }
    }

    static UserGroupException Explain(SlackApiException e, string groupId)
    {
        var group = LogText.Safe(groupId);
        return e.Error switch
        {
            "no_such_subteam" => new($"Slack has no user group {group}; check the resource's group (the id is in the group's URL).", false),
            "missing_scope" or "not_allowed_token_type" => new($"JitBot's Slack token may not change user group {group}: add the usergroups:read and usergroups:write scopes and reinstall the app.", false),
            "permission_denied" or "paid_teams_only" or "plan_upgrade_required" => new($"Slack does not let JitBot change user group {group} ({e.Error}): the workspace's settings must allow apps to manage user groups.", false),
            "invalid_users" or "user_not_found" => new($"Slack refused the member list of user group {group} ({e.Error}): check that the requester is a member of the workspace.", false),
            _ => new($"Slack could not change user group {group} ({LogText.Safe(e.Error)}); it will be tried again.", true),
        };
    }
}
