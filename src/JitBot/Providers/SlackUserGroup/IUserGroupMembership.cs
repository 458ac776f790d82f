namespace JitBot.Providers.SlackUserGroup;

/// <summary>
/// Who is in a Slack user group, and setting the whole list (Slack's <c>usergroups.users.list</c> and
/// <c>usergroups.users.update</c>). Implemented where JitBot talks to Slack; a call Slack refuses throws
/// <see cref="UserGroupException"/> with a sentence saying what to fix.
/// </summary>
public interface IUserGroupMembership
{
    Task<IReadOnlyList<string>> ListAsync(string groupId, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="userIds"/> the group's entire membership.</summary>
    Task UpdateAsync(string groupId, IReadOnlyList<string> userIds, CancellationToken cancellationToken);
}

/// <summary>A user-group call that failed; <see cref="Retryable"/> says whether trying again can help.</summary>
public sealed class UserGroupException(string message, bool retryable) : Exception(message)
{
    public bool Retryable { get; } = retryable;
}
