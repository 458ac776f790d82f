using System.Text.RegularExpressions;

namespace JitBot.Policies;

// The policy as written, after reading and type-checking, before it is indexed. The loader builds it from
// YAML; the benchmarks and tests can also build one in memory. Everything keeps the place it was written.

internal sealed record SourceRef(string File, int Line, int Column)
{
    public static readonly SourceRef None = new("(generated)", 1, 1);
}

/// <summary>`key: value`, `key: [a, b]`, `key: "pay*"` or `key: {not: …}` against one side's tags.</summary>
internal sealed record TagMatcher(string Key, string[] Values, bool Negated, SourceRef At)
{
    public bool HasGlob => Values.Any(v => v.Contains('*'));
}

/// <summary>`principal.team: resource.owner-team`: the principal has the resource's value among theirs.</summary>
internal sealed record JoinSpec(string PrincipalKey, string ResourceKey, SourceRef At);

/// <summary>Days of the week and a time of day, in a time zone. End is exclusive; an end before the start wraps past midnight.</summary>
internal sealed record TimeWindow(bool[] Days, int StartMinute, int EndMinute, TimeZoneInfo? Zone, string Text)
{
    /// <summary>Whether <paramref name="at"/> falls in the window, in its own zone or else <paramref name="policyZone"/>.</summary>
    public bool Contains(DateTimeOffset at, TimeZoneInfo policyZone)
    {
        var local = TimeZoneInfo.ConvertTime(at, Zone ?? policyZone);
        var minute = local.Hour * 60 + local.Minute;
        if (!Days[(int)local.DayOfWeek]) return false;
        return StartMinute <= EndMinute
            ? minute >= StartMinute && minute < EndMinute
            : minute >= StartMinute || minute < EndMinute;
    }
}

internal sealed record ConditionSpec(
    IReadOnlyList<TagMatcher> Principal,
    IReadOnlyList<TagMatcher> Resource,
    IReadOnlyList<JoinSpec> Joins,
    bool? Incident,
    Regex? Channel,
    TimeWindow? Time,
    SourceRef At,
    Regex? IncidentLabel = null)
{
    public static ConditionSpec Always(SourceRef at) => new([], [], [], null, null, null, at);
    public bool IsEmpty => Principal.Count == 0 && Resource.Count == 0 && OnlyResource;
    public bool OnlyResource => Principal.Count == 0 && Joins.Count == 0 && Incident is null && Channel is null && Time is null && IncidentLabel is null;
}

internal enum ApproverKind
{
    OwnerTeam,
    Team,
    Group,
    Users,
}

internal sealed record ApproverRef(ApproverKind Kind, string? Name, IReadOnlyList<string> Users, SourceRef At);

/// <summary>Each approver source must give <see cref="Count"/> approvals (one requirement per source).</summary>
internal sealed record ApprovalSpec(IReadOnlyList<ApproverRef> From, int Count, TimeSpan? Timeout, SourceRef At)
{
    /// <summary><c>remind_after</c>: how long a pending request waits before its approvers are reminded (once).</summary>
    public TimeSpan? RemindAfter { get; init; }
    public SourceRef? RemindAfterAt { get; init; }
    /// <summary><c>escalate</c>: who is asked next, and after how long.</summary>
    public EscalationSpec? Escalate { get; init; }
}

/// <summary><c>escalate: {after: 1h, group: …}</c>: after <see cref="After"/> a pending request is also put to <see cref="To"/>.</summary>
internal sealed record EscalationSpec(TimeSpan After, ApproverRef To, SourceRef At);

internal sealed record AutoApproveSpec(bool Always, IReadOnlyList<ConditionSpec> Any);

internal sealed record RuleSpec(
    string Id,
    RuleEffect Effect,
    ConditionSpec When,
    ConditionSpec? Unless,
    TimeSpan? DefaultDuration,
    TimeSpan? MaxDuration,
    ApprovalSpec? Approval,
    AutoApproveSpec? AutoApprove,
    bool RequireReason,
    Regex? Ticket,
    string? Message,
    SourceRef At)
{
    public SourceRef? MaxDurationAt { get; init; }
}

internal sealed record TeamSpec(string Id, string Channel, string? GroupHandle, IReadOnlyList<string> Users, SourceRef At);

internal sealed record GroupSpec(string Id, string Handle, IReadOnlyDictionary<string, string[]> Tags, SourceRef At);

/// <param name="Name">What people call them (only for finding them by name in the tools).</param>
internal sealed record PersonSpec(string SlackId, IReadOnlyDictionary<string, string[]> Tags, SourceRef At, string? Name = null);

internal sealed record ResourceSpec(
    string Id,
    string Description,
    IReadOnlyDictionary<string, string> Tags,
    string ProviderType,
    IReadOnlyDictionary<string, string> ProviderSettings,
    SourceRef At,
    string ProviderInstance = "default")
{
    public string? OwnerTeam => Tags.TryGetValue(PolicyModel.OwnerTeamTag, out var t) ? t : null;
}

internal sealed record PolicySettings(
    Regex? IncidentChannels,
    TimeZoneInfo Zone,
    TimeSpan DefaultDuration,
    TimeSpan ApprovalTimeout,
    IReadOnlySet<string>? ResourceTagKeys,
    IReadOnlySet<string>? PrincipalTagKeys,
    SourceRef At)
{
    public static readonly PolicySettings Defaults =
        new(null, TimeZoneInfo.Utc, TimeSpan.FromHours(1), TimeSpan.FromHours(1), null, null, SourceRef.None);

    /// <summary><c>incident_length</c>: how long incidents last by default and at most.</summary>
    public IncidentLength IncidentLength { get; init; } = IncidentLength.Defaults;
}

internal sealed class PolicyModel
{
    public const string OwnerTeamTag = "owner-team";
    public const string IdTag = "id";
    public const string GroupTag = "group";

    public PolicySettings Settings { get; set; } = PolicySettings.Defaults;
    /// <summary>Where `policy:` was written, when it was.</summary>
    public SourceRef? SettingsAt { get; set; }
    public List<TeamSpec> Teams { get; } = [];
    public List<GroupSpec> Groups { get; } = [];
    public List<PersonSpec> People { get; } = [];
    public List<ResourceSpec> Resources { get; } = [];
    public List<RuleSpec> Rules { get; } = [];
    /// <summary>"sha256:…" over the files the model came from; set by the loader (or a generator).</summary>
    public string Version { get; set; } = "sha256:" + new string('0', 64);
}
