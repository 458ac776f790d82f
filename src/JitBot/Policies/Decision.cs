namespace JitBot.Policies;

/// <summary>What the policy engine says about one request.</summary>
public enum DecisionOutcome
{
    Denied,
    AutoApproved,
    ApprovalRequired,
}

/// <summary>
/// The person asking, as the engine sees them: their Slack user id and the Slack user groups (ids, "S…")
/// they belong to right now. The engine adds the tags the policy gives that user id and those groups.
/// </summary>
public sealed record Principal(string SlackUserId, IReadOnlyCollection<string> SlackUserGroupIds);

/// <summary>
/// Where and when a request is made; <see cref="IncidentId"/> names the open incident of the channel, if any, and
/// <see cref="IncidentLabel"/> its label (<c>INC-123</c>, or the one taken from the channel's name).
/// </summary>
public sealed record RequestContext(
    DateTimeOffset At,
    string? ChannelId = null,
    string? ChannelName = null,
    bool Incident = false,
    string? IncidentId = null,
    string? IncidentLabel = null);

/// <summary>One access request, as it reaches the engine.</summary>
public sealed record DecisionRequest(
    Principal Principal,
    string ResourceId,
    TimeSpan? RequestedDuration,
    string? Reason,
    RequestContext Context);

/// <summary>A resource from the catalog.</summary>
public sealed record ResourceInfo(
    string Id,
    string Description,
    IReadOnlyDictionary<string, string> Tags,
    string OwnerTeam,
    ProviderSettings Provider)
{
    /// <summary>How grants of this resource may be extended (<c>extend:</c>); null means the defaults of <see cref="ExtensionPolicy.Default"/>.</summary>
    public ExtensionPolicy? Extend { get; init; }

    /// <summary>
    /// How long before a grant ends its holder is warned (<c>expiry_warning:</c>); <see cref="TimeSpan.Zero"/> is
    /// <c>off</c>; null leaves it to the <c>Grants:WarnBeforeMinutes</c> setting.
    /// </summary>
    public TimeSpan? ExpiryWarning { get; init; }
}

/// <summary>Who has to agree to an extension: the same as a new request would need, or always the approvers.</summary>
public enum ExtensionApproval
{
    /// <summary>Approval when a request for the new total would need approval now.</summary>
    AsRequest,
    /// <summary>Always the approvers (the owning team's when the policy would approve it by itself).</summary>
    Always,
}

/// <summary>
/// A resource's <c>extend:</c> keys. <see cref="Step"/> is what the Extend button asks for (<c>default</c>),
/// <see cref="MaxTotal"/> the longest a grant may last in all (null: the maximum duration the policy would grant a
/// new request for that long), <see cref="MaxCount"/> how many extensions one grant may have (0: none).
/// </summary>
public sealed record ExtensionPolicy(TimeSpan? Step, TimeSpan? MaxTotal, int? MaxCount, ExtensionApproval Approval)
{
    public static readonly TimeSpan DefaultStep = TimeSpan.FromHours(1);
    public const int DefaultMaxCount = 3;
    public static readonly ExtensionPolicy Default = new(null, null, null, ExtensionApproval.AsRequest);

    public TimeSpan StepOrDefault => Step ?? DefaultStep;
    public int MaxCountOrDefault => MaxCount ?? DefaultMaxCount;
}

/// <summary>
/// How a provider carries out a grant for a resource: its type, the configured instance of it
/// (<c>default</c> when the catalog names none) and its own non-secret parameters (without type and instance).
/// </summary>
public sealed record ProviderSettings(string Type, IReadOnlyDictionary<string, string> Settings, string Instance = "default");

/// <summary>
/// A set of people who may approve: members of a Slack user group (checked when they click) and/or a fixed
/// list of Slack user ids. <see cref="Name"/> is what people read ("@payments-oncall").
/// </summary>
public sealed record ApproverSet(string Name, string? SlackUserGroupId, IReadOnlyList<string> UserIds);

/// <summary><see cref="Count"/> distinct approvers from <see cref="Approvers"/>.</summary>
public sealed record ApprovalRequirement(ApproverSet Approvers, int Count);

/// <summary>
/// Where the approval request goes and what it needs. Every requirement must be met; one person's approval
/// counts towards every requirement whose approver set they are in. The requester never counts.
/// </summary>
public sealed record ApprovalPlan(
    string Channel,
    IReadOnlyList<ApprovalRequirement> Requirements,
    TimeSpan Timeout)
{
    /// <summary>How long after the request its approvers are reminded (once), or null for no reminder (<c>remind_after</c>).</summary>
    public TimeSpan? RemindAfter { get; init; }

    /// <summary>Who is asked next when nobody decided in time (<c>escalate</c>), or null.</summary>
    public ApprovalEscalation? Escalation { get; init; }
}

/// <summary>
/// <see cref="After"/> the request was made, it is also put to <see cref="Approvers"/> in <see cref="Channel"/>
/// (the escalation team's channel; the request's own approval channel for a group), and from then on each of them
/// counts as an approver of every requirement of the plan.
/// </summary>
public sealed record ApprovalEscalation(TimeSpan After, ApproverSet Approvers, string Channel);

/// <summary>The duration that may be granted, and why it is what it is.</summary>
public sealed record DurationDecision(
    TimeSpan Granted,
    TimeSpan? Requested,
    bool Capped,
    string? CappedByRule,
    TimeSpan? Cap);

/// <summary>A required field that is missing or invalid ("reason", "ticket").</summary>
public sealed record FieldProblem(string Field, string Message);

public enum RuleEffect
{
    Deny,
    Allow,
    RequireApproval,
}

/// <summary>A rule that took part in a decision and what it did ("denied", "allowed", "capped duration", …).</summary>
public sealed record RuleContribution(string RuleId, RuleEffect Effect, string Role, string? Message);

/// <summary>
/// A decision: the outcome, everything that produced it, and the policy version (content hash) that made it.
/// A request with <see cref="FieldProblems"/> is <see cref="DecisionOutcome.Denied"/> until it is fixed.
/// </summary>
public sealed record Decision(
    DecisionOutcome Outcome,
    string ResourceId,
    ResourceInfo? Resource,
    DurationDecision? Duration,
    ApprovalPlan? Approval,
    IReadOnlyList<FieldProblem> FieldProblems,
    IReadOnlyList<RuleContribution> Rules,
    string Explanation,
    string PolicyVersion);

/// <summary>A loaded, validated policy: the catalog and the rules, ready to decide.</summary>
public interface IPolicySnapshot
{
    /// <summary>Content hash of every policy file, e.g. "sha256:3f2a…" (first 12 hex digits are enough to show).</summary>
    string Version { get; }

    ResourceInfo? FindResource(string resourceId);

    /// <summary>Every resource id in the catalog, sorted.</summary>
    IReadOnlyList<string> ResourceIds { get; }

    /// <summary>The closest resource ids to what someone typed, best first.</summary>
    IReadOnlyList<string> SuggestResources(string typed, int max = 3);

    /// <summary>Every Slack user group id the policy refers to (for people's tags or as approvers).</summary>
    IReadOnlyCollection<string> SlackUserGroupIds { get; }

    /// <summary>Whether a channel is an incident channel, by the policy's incident channel pattern.</summary>
    bool IsIncidentChannel(string? channelName);

    /// <summary>How long incidents last (<c>policy: incident_length</c>): the default length and the most one may run.</summary>
    IncidentLength IncidentLength => IncidentLength.Defaults;

    Decision Decide(DecisionRequest request);

    /// <summary>The tags the policy's <c>people</c> entry gives a person (for providers, e.g. <c>db_user</c>); none when unlisted.</summary>
    IReadOnlyDictionary<string, IReadOnlyList<string>> PersonTags(string slackUserId) => new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The tags the policy gives a principal (their own and their declared groups'), for explanations; none when unknown.</summary>
    IReadOnlyDictionary<string, IReadOnlyList<string>> PrincipalTags(Principal principal) => new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The Slack channel of a team the policy declares, or null.</summary>
    string? TeamChannel(string team) => null;

    /// <summary>
    /// One approval from the owning team of <paramref name="resourceId"/>, in its channel, with the policy's approval
    /// timeout: who approves an extension that <c>approval: always</c> sends for approval, and who may revoke. Null
    /// when the resource or its team is unknown.
    /// </summary>
    ApprovalPlan? OwnerApproval(string resourceId) => null;

    /// <summary>The longest <c>expiry_warning</c> any resource has (zero when none has one).</summary>
    TimeSpan LongestExpiryWarning => TimeSpan.Zero;

    /// <summary>The shortest <c>expiry_warning</c> that is on (zero when no resource has one).</summary>
    TimeSpan ShortestExpiryWarning => TimeSpan.Zero;
}

/// <summary>
/// How long an incident lasts when started without a length (<see cref="Default"/>), and the most it may last
/// (<see cref="Max"/>): nothing tied to an incident outlives it.
/// </summary>
public sealed record IncidentLength(TimeSpan Default, TimeSpan Max)
{
    public static readonly IncidentLength Defaults = new(TimeSpan.FromHours(8), TimeSpan.FromHours(24));

    /// <summary>The length an incident gets: the one asked for, or the default, never more than the maximum.</summary>
    public TimeSpan For(TimeSpan? asked) => asked is { } a && a > TimeSpan.Zero ? (a < Max ? a : Max) : (Default < Max ? Default : Max);
}

/// <summary>Hands out the current (last good) policy.</summary>
public interface IPolicySource
{
    IPolicySnapshot Current { get; }
}
