using System.Text.RegularExpressions;
using JitBot.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.Providers.SlackUserGroup;

/// <summary>
/// <c>slack-usergroup</c>: membership of a Slack user group for the grant's length. The group is the resource's
/// <c>group</c> parameter, or the instance's <c>Group</c> setting. Two resources naming the same group grant the
/// same access, so the group is the ledger key.
/// </summary>
public sealed partial class SlackUserGroupType : IProviderType
{
    public const string Name = "slack-usergroup";
    public const string GroupParameter = "group";

    string IProviderType.Name => Name;

    public IReadOnlyList<ProviderParameter> Parameters { get; } =
    [
        new(GroupParameter, Required: false, "The Slack user group id (S…) the requester joins; without it, the instance's Group setting."),
    ];

    public IReadOnlyList<string> RequiredSettings { get; } = [];

    public IEnumerable<string> Check(IReadOnlyDictionary<string, string> parameters)
    {
        if (parameters.TryGetValue(GroupParameter, out var group) && !GroupId().IsMatch(group))
            yield return $"group must be a Slack user group id such as S0123ABCD (not a @handle); '{LogText.Safe(group)}' is not one.";
    }

    public string AccessKey(IReadOnlyDictionary<string, string> parameters, string resourceId) =>
        parameters.TryGetValue(GroupParameter, out var group) ? group : "(instance group)";

    public IAccessProvider Create(string instance, IConfigurationSection settings, IServiceProvider services)
    {
        var group = settings["Group"];
        if (group is not null && !GroupId().IsMatch(group))
            throw new ProviderSettingsException($"Providers:{Name}:{instance}:Group must be a Slack user group id such as S0123ABCD.");
        return new SlackUserGroupProvider(instance, group, services.GetService<IUserGroupMembership>() ?? NoSlack.Instance);
    }

    /// <summary>Where JitBot runs without its Slack side (commands, some tests): every call says so.</summary>
    sealed class NoSlack : IUserGroupMembership
    {
        public static readonly NoSlack Instance = new();
        const string Message = "This JitBot has no Slack connection, so it cannot change Slack user groups.";
        public Task<IReadOnlyList<string>> ListAsync(string groupId, CancellationToken cancellationToken) => throw new UserGroupException(Message, false);
        public Task UpdateAsync(string groupId, IReadOnlyList<string> userIds, CancellationToken cancellationToken) => throw new UserGroupException(Message, false);
    }

    [GeneratedRegex("^S[A-Z0-9]{2,}$")]
    private static partial Regex GroupId();
}
