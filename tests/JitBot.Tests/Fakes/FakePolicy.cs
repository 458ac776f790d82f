using JitBot.Policies;

namespace JitBot.Tests.Fakes;

/// <summary>A policy whose decisions a test spells out per resource.</summary>
public sealed class FakePolicy : IPolicySource, IPolicySnapshot
{
    public const string Version = "sha256:fa4e00000001";
    readonly Dictionary<string, Func<DecisionRequest, Decision>> _rules = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> _providerTypes = new(StringComparer.Ordinal);

    public List<DecisionRequest> Seen { get; } = [];
    public HashSet<string> Groups { get; } = new(StringComparer.Ordinal);
    public string IncidentChannelPrefix { get; set; } = "inc-";

    /// <summary>Tags per person, as the policy's <c>people</c> entries would give them.</summary>
    public Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> PeopleTags { get; } = new(StringComparer.Ordinal);

    /// <summary>Team channels, as the policy's <c>teams</c> would give them.</summary>
    public Dictionary<string, string> TeamChannels { get; } = new(StringComparer.Ordinal) { ["payments"] = "C0PAYMENTS" };

    public IReadOnlyDictionary<string, IReadOnlyList<string>> PersonTags(string slackUserId) =>
        PeopleTags.GetValueOrDefault(slackUserId) ?? new Dictionary<string, IReadOnlyList<string>>();

    public string? TeamChannel(string team) => TeamChannels.GetValueOrDefault(team);

    public IPolicySnapshot Current => this;
    string IPolicySnapshot.Version => Version;
    public IReadOnlyCollection<string> SlackUserGroupIds => Groups;

    public static ResourceInfo Resource(string id, string providerType = "fake") => new(
        id, $"The {id} resource",
        new Dictionary<string, string> { ["env"] = "production", ["owner-team"] = "payments" },
        "payments",
        new ProviderSettings(providerType, new Dictionary<string, string> { ["role"] = id + "_rw" }));

    public static ApproverSet Group(string name, string groupId) => new(name, groupId, []);
    public static ApproverSet Users(string name, params string[] userIds) => new(name, null, userIds);

    public FakePolicy AutoApprove(string resourceId, TimeSpan duration, string providerType = "fake")
    {
        _providerTypes[resourceId] = providerType;
        _rules[resourceId] = r => Make(DecisionOutcome.AutoApproved, Resource(resourceId, providerType), r, duration, null);
        return this;
    }

    /// <summary>Auto-approves a resource given in full (its own provider type, instance and parameters).</summary>
    public FakePolicy AutoApprove(ResourceInfo resource, TimeSpan duration)
    {
        _rules[resource.Id] = r => Make(DecisionOutcome.AutoApproved, resource, r, duration, null);
        return this;
    }

    public FakePolicy RequireApproval(string resourceId, TimeSpan duration, TimeSpan timeout, params ApprovalRequirement[] requirements)
    {
        foreach (var g in requirements.Select(q => q.Approvers.SlackUserGroupId).OfType<string>()) Groups.Add(g);
        _rules[resourceId] = r => Make(DecisionOutcome.ApprovalRequired, Resource(resourceId), r, duration,
            new ApprovalPlan("C0PAYMENTS", requirements, timeout));
        return this;
    }

    /// <summary>Needs approval by <paramref name="plan"/> as given (reminders and escalation included).</summary>
    public FakePolicy RequireApproval(string resourceId, TimeSpan duration, ApprovalPlan plan)
    {
        foreach (var g in plan.Requirements.Select(q => q.Approvers.SlackUserGroupId).Append(plan.Escalation?.Approvers.SlackUserGroupId).OfType<string>()) Groups.Add(g);
        _rules[resourceId] = r => Make(DecisionOutcome.ApprovalRequired, Resource(resourceId), r, duration, plan);
        return this;
    }

    /// <summary>Decides a resource per person: <paramref name="outcomeFor"/> says the outcome for each requester.</summary>
    public FakePolicy PerPerson(string resourceId, TimeSpan duration, Func<string, DecisionOutcome> outcomeFor)
    {
        _rules[resourceId] = r => outcomeFor(r.Principal.SlackUserId) switch
        {
            DecisionOutcome.AutoApproved => Make(DecisionOutcome.AutoApproved, Resource(resourceId), r, duration, null),
            DecisionOutcome.ApprovalRequired => Make(DecisionOutcome.ApprovalRequired, Resource(resourceId), r, duration,
                new ApprovalPlan("C0PAYMENTS", [new ApprovalRequirement(Users("@payments-leads", "U0LEAD"), 1)], TimeSpan.FromHours(1))),
            _ => Make(DecisionOutcome.Denied, Resource(resourceId), r, null, null),
        };
        return this;
    }

    public FakePolicy Deny(string resourceId)
    {
        _rules[resourceId] = r => Make(DecisionOutcome.Denied, Resource(resourceId), r, null, null);
        return this;
    }

    static Decision Make(DecisionOutcome outcome, ResourceInfo resource, DecisionRequest request, TimeSpan? duration, ApprovalPlan? plan) => new(
        outcome, resource.Id, resource,
        duration is { } d ? new DurationDecision(d, request.RequestedDuration, false, null, null) : null,
        plan, [],
        [new RuleContribution("rule-" + outcome.ToString().ToLowerInvariant(), outcome == DecisionOutcome.Denied ? RuleEffect.Deny : RuleEffect.Allow, "decided", null)],
        $"{outcome} by the test policy.", Version);

    public ResourceInfo? FindResource(string resourceId) =>
        _rules.ContainsKey(resourceId) ? Resource(resourceId, _providerTypes.GetValueOrDefault(resourceId, "fake")) : null;

    public IReadOnlyList<string> ResourceIds => _rules.Keys.Order(StringComparer.Ordinal).ToList();

    public IReadOnlyList<string> SuggestResources(string typed, int max = 3) => _rules.Keys.Take(max).ToList();

    public bool IsIncidentChannel(string? channelName) => channelName?.StartsWith(IncidentChannelPrefix, StringComparison.Ordinal) == true;

    public Decision Decide(DecisionRequest request)
    {
        lock (Seen) Seen.Add(request);
        return _rules.TryGetValue(request.ResourceId, out var rule)
            ? rule(request)
            : new Decision(DecisionOutcome.Denied, request.ResourceId, null, null, null, [], [], "Unknown resource.", Version);
    }
}
