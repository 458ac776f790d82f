namespace JitBot.Policies;

/// <summary>
/// The parts of a compiled policy both evaluators share: teams, groups, resources and settings, resolved
/// once at load so a decision only does lookups.
/// </summary>
internal sealed class PolicyCatalog
{
    public required PolicyModel Model { get; init; }
    public PolicySettings Settings => Model.Settings;
    public string Version => Model.Version;
    public Dictionary<string, TeamSpec> Teams { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ApproverSet> TeamApprovers { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, GroupSpec> GroupsByHandle { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, GroupSpec> GroupsById { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ApproverSet> GroupApprovers { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, PersonSpec> People { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ResourceSpec> Resources { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ResourceInfo> ResourceInfos { get; } = new(StringComparer.Ordinal);
    /// <summary>Approver sets for `users:` lists, keyed by the rule's approval reference.</summary>
    public Dictionary<ApproverRef, ApproverSet> UserApprovers { get; } = new(ReferenceEqualityComparer.Instance);

    public static PolicyCatalog Build(PolicyModel model)
    {
        var c = new PolicyCatalog { Model = model };
        foreach (var g in model.Groups)
        {
            c.GroupsByHandle.TryAdd(g.Handle, g);
            c.GroupsById.TryAdd(g.Id, g);
            c.GroupApprovers.TryAdd(g.Handle, new ApproverSet(g.Handle, g.Id, []));
        }
        foreach (var t in model.Teams)
        {
            if (!c.Teams.TryAdd(t.Id, t)) continue;
            string? groupId = t.GroupHandle is not null && c.GroupsByHandle.TryGetValue(t.GroupHandle, out var g) ? g.Id : null;
            var name = t.GroupHandle ?? $"{t.Id} approvers";
            c.TeamApprovers[t.Id] = new ApproverSet(name, groupId, t.Users.ToArray());
        }
        foreach (var p in model.People) c.People.TryAdd(p.SlackId, p);
        foreach (var r in model.Resources)
        {
            if (!c.Resources.TryAdd(r.Id, r)) continue;
            c.ResourceInfos[r.Id] = Info(r);
        }
        foreach (var rule in model.Rules)
        {
            if (rule.Approval is null) continue;
            foreach (var from in rule.Approval.From)
                if (from.Kind == ApproverKind.Users)
                    c.UserApprovers[from] = new ApproverSet(string.Join(", ", from.Users), null, from.Users.ToArray());
        }
        return c;
    }

    public static ResourceInfo Info(ResourceSpec r) =>
        new(r.Id, r.Description, r.Tags, r.OwnerTeam ?? "", new ProviderSettings(r.ProviderType, r.ProviderSettings, r.ProviderInstance))
        {
            Extend = r.Extend,
            ExpiryWarning = r.ExpiryWarning,
        };

    /// <summary>Whether a channel name matches the policy's incident channel pattern ("#" is ignored).</summary>
    public bool IsIncidentChannel(string? channelName)
    {
        if (Settings.IncidentChannels is null || string.IsNullOrEmpty(channelName) || channelName.Length > 200) return false;
        var name = channelName[0] == '#' ? channelName.AsSpan(1) : channelName.AsSpan();
        return Settings.IncidentChannels.IsMatch(name);
    }

    public ApproverSet? Resolve(ApproverRef from, ResourceSpec resource) => from.Kind switch
    {
        ApproverKind.OwnerTeam => resource.OwnerTeam is { } t && TeamApprovers.TryGetValue(t, out var s) ? s : null,
        ApproverKind.Team => TeamApprovers.GetValueOrDefault(from.Name!),
        ApproverKind.Group => GroupApprovers.GetValueOrDefault(from.Name!),
        _ => UserApprovers.GetValueOrDefault(from),
    };
}
