namespace JitBot.Policies;

/// <summary>
/// A loaded, validated policy, indexed for deciding. Immutable and safe to share between threads. A decision
/// looks the resource up, walks only the rules precomputed for it (deny rules first), and evaluates their
/// principal, join and context conditions against interned tags.
/// </summary>
public sealed class PolicySnapshot : IPolicySnapshot
{
    readonly PolicyCatalog catalog;
    readonly Dictionary<string, CResource> resources;
    readonly Dictionary<string, CPrincipalPart> people;
    readonly Dictionary<string, CPrincipalPart> groups;
    readonly string[] resourceIds;
    readonly string[] groupIds;

    [ThreadStatic] static ulong[]? scratch;

    internal PolicySnapshot(PolicyCatalog catalog, Dictionary<string, CResource> resources,
        Dictionary<string, CPrincipalPart> people, Dictionary<string, CPrincipalPart> groups, CRule[] rules, string[] sortedResourceIds)
    {
        this.catalog = catalog;
        this.resources = resources;
        this.people = people;
        this.groups = groups;
        Rules = rules;
        resourceIds = sortedResourceIds;
        groupIds = catalog.GroupsById.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    internal PolicyCatalog Catalog => catalog;
    internal CRule[] Rules { get; }

    /// <summary>The rules the index keeps for a resource (deny, guard and allow candidates), for the policy diff; empty when unknown.</summary>
    internal IEnumerable<RuleSpec> CandidateRules(string resourceId) =>
        resources.TryGetValue(resourceId, out var r) ? r.Denies.Concat(r.Guards).Concat(r.Allows).Select(c => c.Spec) : [];

    public string Version => catalog.Version;

    /// <summary>Every resource id in the catalog, sorted.</summary>
    public IReadOnlyList<string> ResourceIds => resourceIds;

    public int RuleCount => Rules.Length;

    public int PeopleCount => catalog.People.Count;

    public int TeamCount => catalog.Teams.Count;

    public IReadOnlyCollection<string> SlackUserGroupIds => groupIds;

    /// <summary>The declared Slack user groups, in the order the policy gives them.</summary>
    public IReadOnlyList<GroupInfo> Groups => catalog.Model.Groups.Select(g => new GroupInfo(g.Id, g.Handle)).ToArray();

    /// <summary>The people the policy lists, in the order it gives them.</summary>
    public IReadOnlyList<PersonInfo> People => catalog.Model.People.Select(p => new PersonInfo(p.SlackId, p.Name)).ToArray();

    /// <summary>The Slack user group id for a handle like "@payments-oncall", if the policy declares it.</summary>
    public string? FindGroupId(string handle) => catalog.GroupsByHandle.TryGetValue(handle, out var g) ? g.Id : null;

    public IReadOnlyDictionary<string, IReadOnlyList<string>> PersonTags(string slackUserId) =>
        catalog.People.TryGetValue(slackUserId, out var person)
            ? person.Tags.ToDictionary(t => t.Key, t => (IReadOnlyList<string>)t.Value.ToArray(), StringComparer.Ordinal)
            : new Dictionary<string, IReadOnlyList<string>>();

    public string? TeamChannel(string team) => catalog.Teams.TryGetValue(team, out var t) ? t.Channel : null;

    public ApprovalPlan? OwnerApproval(string resourceId)
    {
        if (!catalog.Resources.TryGetValue(resourceId, out var resource) || resource.OwnerTeam is not { } team) return null;
        if (!catalog.Teams.TryGetValue(team, out var spec) || !catalog.TeamApprovers.TryGetValue(team, out var approvers)) return null;
        return new ApprovalPlan(spec.Channel, [new ApprovalRequirement(approvers, 1)], catalog.Settings.ApprovalTimeout);
    }

    public TimeSpan LongestExpiryWarning => longestWarning ??= catalog.ResourceInfos.Values
        .Select(r => r.ExpiryWarning ?? TimeSpan.Zero).DefaultIfEmpty(TimeSpan.Zero).Max();

    TimeSpan? longestWarning;

    public TimeSpan ShortestExpiryWarning => shortestWarning ??= catalog.ResourceInfos.Values
        .Select(r => r.ExpiryWarning ?? TimeSpan.Zero).Where(w => w > TimeSpan.Zero).DefaultIfEmpty(TimeSpan.Zero).Min();

    TimeSpan? shortestWarning;

    /// <summary>The tags the policy gives a principal (from `people` and the declared groups they are in), for explanations.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> PrincipalTags(Principal principal)
    {
        var tags = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string k, string v)
        {
            if (!tags.TryGetValue(k, out var list)) tags[k] = list = [];
            if (!list.Contains(v)) list.Add(v);
        }
        if (catalog.People.TryGetValue(principal.SlackUserId, out var person))
            foreach (var (k, vs) in person.Tags) foreach (var v in vs) Add(k, v);
        foreach (var id in principal.SlackUserGroupIds)
            if (catalog.GroupsById.TryGetValue(id, out var g))
            {
                Add(PolicyModel.GroupTag, g.Handle);
                foreach (var (k, vs) in g.Tags) foreach (var v in vs) Add(k, v);
            }
        return tags.ToDictionary(t => t.Key, t => (IReadOnlyList<string>)t.Value, StringComparer.Ordinal);
    }

    public ResourceInfo? FindResource(string resourceId) => catalog.ResourceInfos.GetValueOrDefault(resourceId);

    public bool IsIncidentChannel(string? channelName) => catalog.IsIncidentChannel(channelName);

    public IncidentLength IncidentLength => catalog.Settings.IncidentLength;

    public IReadOnlyList<string> SuggestResources(string typed, int max = 3) => ResourceSuggestions.Find(resourceIds, typed, max);

    public Decision Decide(DecisionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ResourceId is null || !resources.TryGetValue(request.ResourceId, out var resource))
            return DecisionBuilder.UnknownResource(catalog, request.ResourceId ?? "", SuggestResources(request.ResourceId ?? ""));

        var principal = PrincipalPairs(request.Principal);
        var input = new EvalInput
        {
            Principal = principal,
            Resource = resource.Values,
            IncidentFlag = request.Context.Incident,
            Catalog = catalog,
            ChannelName = request.Context.ChannelName,
            IncidentLabel = request.Context.IncidentLabel,
            At = request.Context.At,
            PolicyZone = catalog.Settings.Zone,
        };

        List<RuleSpec>? denies = null;
        foreach (var rule in resource.Denies)
            if (rule.Applies(ref input)) (denies ??= []).Add(rule.Spec);
        if (denies is not null) return DecisionBuilder.Build(catalog, resource.Spec, resource.Info, request, denies, null, null);

        List<AllowMatch>? allows = null;
        foreach (var rule in resource.Allows)
            if (rule.Applies(ref input)) (allows ??= []).Add(new AllowMatch(rule.Spec, rule.AutoApproves(ref input)));
        if (allows is null) return DecisionBuilder.Build(catalog, resource.Spec, resource.Info, request, null, null, null);

        List<RuleSpec>? guards = null;
        foreach (var rule in resource.Guards)
            if (rule.Applies(ref input)) (guards ??= []).Add(rule.Spec);
        return DecisionBuilder.Build(catalog, resource.Spec, resource.Info, request, null, allows, guards);
    }

    /// <summary>The requester's interned tags: their own (from `people`) and those of each declared group they are in.</summary>
    ReadOnlySpan<ulong> PrincipalPairs(Principal principal)
    {
        var buffer = scratch ??= new ulong[64];
        var n = 0;
        if (principal.SlackUserId is { } user && people.TryGetValue(user, out var person))
            Append(ref buffer, ref n, person.Pairs);
        if (principal.SlackUserGroupIds is { Count: > 0 } ids)
            foreach (var id in ids)
                if (id is not null && groups.TryGetValue(id, out var group))
                    Append(ref buffer, ref n, group.Pairs);
        return buffer.AsSpan(0, n);

        static void Append(ref ulong[] buffer, ref int n, ulong[] pairs)
        {
            if (n + pairs.Length > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, n + pairs.Length));
                scratch = buffer;
            }
            pairs.CopyTo(buffer, n);
            n += pairs.Length;
        }
    }
}

/// <summary>A Slack user group the policy declares: its id (<c>S…</c>) and its handle (<c>@…</c>).</summary>
public sealed record GroupInfo(string Id, string Handle);

/// <summary>A person the policy lists: their Slack user id and, when given, their name.</summary>
public sealed record PersonInfo(string SlackId, string? Name);
