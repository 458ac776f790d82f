using System.Globalization;
using System.Text.RegularExpressions;
using JitBot.Common;

namespace JitBot.Policies;

/// <summary>
/// Turns one policy file's YAML tree into <see cref="PolicyModel"/> entries, reporting every problem it can
/// see in the file (types, unknown keys, durations, regular expressions, time windows) without stopping.
/// Cross-file checks (ids, references, reachability) are done by <see cref="PolicyCompiler"/>.
/// </summary>
/// <param name="providerTypes">The provider types the bot has (case-insensitive); null accepts any type.</param>
internal sealed class PolicyParser(string file, List<PolicyProblem> problems, IReadOnlyCollection<ProviderTypeCheck>? providerTypes = null)
{
    static readonly string[] TopKeys = ["policy", "teams", "groups", "people", "resources", "rules"];
    static readonly string[] SettingsKeys = ["incident_channels", "incident_length", "timezone", "default_duration", "approval_timeout", "tag_keys"];
    static readonly string[] TeamKeys = ["id", "description", "channel", "approvers"];
    static readonly string[] ApproverKeys = ["group", "users"];
    static readonly string[] GroupKeys = ["id", "handle", "description", "tags"];
    static readonly string[] PersonKeys = ["slack", "name", "tags"];
    static readonly string[] ResourceKeys = ["id", "description", "tags", "provider"];
    static readonly string[] RuleKeys = ["id", "effect", "description", "when", "unless", "duration", "approval", "auto_approve", "require", "message"];
    static readonly string[] ConditionKeys = ["principal", "resource", "match", "context"];
    static readonly string[] ContextKeys = ["incident", "incident_label", "channel", "time"];
    static readonly string[] TimeKeys = ["days", "hours", "tz"];
    static readonly string[] DurationKeys = ["default", "max"];
    static readonly string[] ApprovalKeys = ["from", "team", "group", "groups", "users", "count", "timeout", "remind_after", "escalate"];
    static readonly string[] EscalateKeys = ["after", "group", "team"];
    static readonly string[] RequireKeys = ["reason", "ticket"];
    static readonly string[] TagKeysKeys = ["resource", "principal"];

    public const int MaxPatternLength = 1000;
    static readonly IReadOnlyDictionary<string, string> NoText = new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>());

    bool settingsSeen;

    public void ReadFile(YNode? root, PolicyModel model)
    {
        if (root is null || root is YScalar { IsNull: true }) return;
        if (root is not YMap map)
        {
            Bad(root, "bad-type", $"A policy file is a mapping with keys like {string.Join(", ", TopKeys)}; this is {root.Kind}.");
            return;
        }
        foreach (var (key, value) in Entries(map, TopKeys, "a policy file", key => key == "cases"
                     ? " Policy tests go in files named *.test.yaml." : ""))
        {
            switch (key.Value)
            {
                case "policy":
                    if (settingsSeen || model.SettingsAt is not null)
                        Bad(key, "duplicate-id", "The `policy` settings are given more than once; keep them in one file.");
                    else if (ReadSettings(value) is { } settings)
                        model.Settings = settings;
                    model.SettingsAt ??= At(key);
                    settingsSeen = true;
                    break;
                case "teams":
                    foreach (var item in List(value, "teams")) if (ReadTeam(item) is { } t) model.Teams.Add(t);
                    break;
                case "groups":
                    foreach (var item in List(value, "groups")) if (ReadGroup(item) is { } g) model.Groups.Add(g);
                    break;
                case "people":
                    foreach (var item in List(value, "people")) if (ReadPerson(item) is { } p) model.People.Add(p);
                    break;
                case "resources":
                    foreach (var item in List(value, "resources")) if (ReadResource(item) is { } r) model.Resources.Add(r);
                    break;
                case "rules":
                    foreach (var item in List(value, "rules")) if (ReadRule(item) is { } r) model.Rules.Add(r);
                    break;
            }
        }
    }

    /// <summary>One item of a top-level list (<c>resources:</c>, …), handed over while the file is being parsed.</summary>
    public void ReadItem(string list, YNode item, PolicyModel model)
    {
        switch (list)
        {
            case "teams": if (ReadTeam(item) is { } t) model.Teams.Add(t); break;
            case "groups": if (ReadGroup(item) is { } g) model.Groups.Add(g); break;
            case "people": if (ReadPerson(item) is { } p) model.People.Add(p); break;
            case "resources": if (ReadResource(item) is { } r) model.Resources.Add(r); break;
            case "rules": if (ReadRule(item) is { } rule) model.Rules.Add(rule); break;
        }
    }

    PolicySettings? ReadSettings(YNode node)
    {
        if (Map(node, "policy") is not { } map) return null;
        var s = PolicySettings.Defaults with { At = At(node) };
        foreach (var (key, value) in Entries(map, SettingsKeys, "policy"))
        {
            switch (key.Value)
            {
                case "incident_channels": s = s with { IncidentChannels = Pattern(value) }; break;
                case "incident_length":
                {
                    if (Map(value, "incident_length") is not { } lm) break;
                    var length = IncidentLength.Defaults;
                    foreach (var (k, v) in Entries(lm, DurationKeys, "incident_length"))
                        if (Duration(v) is { } given) length = k.Value == "default" ? length with { Default = given } : length with { Max = given };
                    if (length.Default > length.Max)
                        Bad(lm, "bad-duration", $"The default incident length ({DurationText.Format(length.Default)}) is longer than the maximum ({DurationText.Format(length.Max)}).");
                    s = s with { IncidentLength = length };
                    break;
                }
                case "timezone": if (Zone(value) is { } z) s = s with { Zone = z }; break;
                case "default_duration": if (Duration(value) is { } d) s = s with { DefaultDuration = d }; break;
                case "approval_timeout": if (Duration(value) is { } t) s = s with { ApprovalTimeout = t }; break;
                case "tag_keys":
                    if (Map(value, "tag_keys") is not { } tk) break;
                    foreach (var (k, v) in Entries(tk, TagKeysKeys, "tag_keys"))
                    {
                        var keys = new HashSet<string>(Strings(v, k.Value), StringComparer.Ordinal);
                        if (k.Value == "resource") s = s with { ResourceTagKeys = keys };
                        else s = s with { PrincipalTagKeys = keys };
                    }
                    break;
            }
        }
        return s;
    }

    TeamSpec? ReadTeam(YNode node)
    {
        if (Map(node, "a team") is not { } map) return null;
        string? id = null, channel = null, group = null;
        var users = new List<string>();
        foreach (var (key, value) in Entries(map, TeamKeys, "a team"))
        {
            switch (key.Value)
            {
                case "id": id = Text(value, "id"); break;
                case "description": Text(value, "description"); break;
                case "channel": channel = Text(value, "channel"); break;
                case "approvers":
                    if (value is YScalar)
                    {
                        group = Text(value, "approvers");
                        break;
                    }
                    if (Map(value, "approvers") is not { } am) break;
                    foreach (var (k, v) in Entries(am, ApproverKeys, "approvers"))
                    {
                        if (k.Value == "group") group = Text(v, "group");
                        else users.AddRange(Strings(v, "users"));
                    }
                    break;
            }
        }
        if (!Required(map, id, "id", "a team") | !Required(map, channel, "channel", "a team")) return null;
        if (group is null && users.Count == 0)
        {
            Bad(map, "missing-key", $"Team `{id}` needs `approvers`: a Slack user group (`group: \"@handle\"`) and/or `users: [U…]`.");
            return null;
        }
        return new TeamSpec(id!, channel!, group, users, At(map));
    }

    GroupSpec? ReadGroup(YNode node)
    {
        if (Map(node, "a group") is not { } map) return null;
        string? id = null, handle = null;
        IReadOnlyDictionary<string, string[]> tags = new Dictionary<string, string[]>();
        foreach (var (key, value) in Entries(map, GroupKeys, "a group"))
        {
            switch (key.Value)
            {
                case "id":
                    id = Text(value, "id");
                    if (id is not null && !IsSlackId(id, 'S'))
                        Bad(value, "bad-value", $"`{id}` is not a Slack user group id; they look like S0123ABCD (Slack shows it in the group's URL).");
                    break;
                case "handle":
                    handle = Text(value, "handle");
                    if (handle is not null && !handle.StartsWith('@'))
                        Bad(value, "bad-value", $"A group handle starts with @, like \"@{handle}\".");
                    break;
                case "description": Text(value, "description"); break;
                case "tags": tags = MultiTags(value); break;
            }
        }
        if (!Required(map, id, "id", "a group") | !Required(map, handle, "handle", "a group")) return null;
        return new GroupSpec(id!, handle!, tags, At(map));
    }

    PersonSpec? ReadPerson(YNode node)
    {
        if (Map(node, "a person") is not { } map) return null;
        string? slack = null, name = null;
        IReadOnlyDictionary<string, string[]> tags = new Dictionary<string, string[]>();
        foreach (var (key, value) in Entries(map, PersonKeys, "a person"))
        {
            switch (key.Value)
            {
                case "slack":
                    slack = Text(value, "slack");
                    if (slack is not null && !IsSlackId(slack, 'U') && !IsSlackId(slack, 'W'))
                        Bad(value, "bad-value", $"`{slack}` is not a Slack user id; they look like U0123ABCD.");
                    break;
                case "name": name = Text(value, "name"); break;
                case "tags": tags = MultiTags(value); break;
            }
        }
        if (!Required(map, slack, "slack", "a person")) return null;
        return new PersonSpec(slack!, tags, At(map), name);
    }

    ResourceSpec? ReadResource(YNode node)
    {
        if (Map(node, "a resource") is not { } map) return null;
        string? id = null, description = null, providerType = null;
        var providerInstance = "default";
        Dictionary<string, string>? tags = null, settings = null;
        foreach (var (key, value) in Entries(map, ResourceKeys, "a resource"))
        {
            switch (key.Value)
            {
                case "id":
                    id = Text(value, "id");
                    if (id is not null && !IsResourceId(id))
                        Bad(value, "bad-value", $"`{id}` is not a usable resource id: use lowercase letters, digits, '-', '_' and '.', starting with a letter or digit.");
                    break;
                case "description": description = Text(value, "description"); break;
                case "tags":
                    if (Map(value, "tags") is not { } tm) break;
                    tags = new Dictionary<string, string>(tm.Pairs.Length, StringComparer.Ordinal);
                    foreach (var (k, v) in Entries(tm, null, "tags"))
                    {
                        if (k.Value == PolicyModel.IdTag)
                            Bad(k, "bad-value", "`id` is given by the resource's id; it cannot be set as a tag.");
                        else if (Text(v, k.Value) is { } t) tags[k.Value] = t;
                    }
                    break;
                case "provider":
                    if (Map(value, "provider") is not { } pm) break;
                    ProviderTypeCheck? check = null;
                    YNode? typeAt = null;
                    foreach (var (k, v) in Entries(pm, null, "provider"))
                    {
                        var t = Text(v, k.Value);
                        if (t is null) continue;
                        if (k.Value == "type")
                        {
                            providerType = t;
                            typeAt = v;
                            check = providerTypes?.FirstOrDefault(c => string.Equals(c.Name, t, StringComparison.OrdinalIgnoreCase));
                            if (providerTypes is not null && check is null)
                                Bad(v, "unknown-provider", $"`{t}` is not a provider type this JitBot has, so a resource with it could never be granted. " +
                                    $"Provider types: {string.Join(", ", providerTypes.Select(c => c.Name))}.");
                        }
                        else if (k.Value == "instance")
                        {
                            if (IsResourceId(t)) providerInstance = t;
                            else Bad(v, "bad-value", $"`{t}` is not a usable provider instance name: use lowercase letters, digits, '-', '_' and '.', starting with a letter or digit.");
                        }
                        else (settings ??= new Dictionary<string, string>(StringComparer.Ordinal))[k.Value] = t;
                    }
                    if (providerType is null) Bad(pm, "missing-key", "A provider needs a `type` (for example `record`).");
                    else if (check is not null)
                        foreach (var problem in check.Problems(settings ?? NoText))
                            Bad(typeAt!, "bad-provider", problem);
                    break;
            }
        }
        if (!Required(map, id, "id", "a resource")) return null;
        return new ResourceSpec(id!, description ?? id!, tags ?? NoText, providerType ?? "record", settings ?? NoText, At(map), providerInstance);
    }

    RuleSpec? ReadRule(YNode node)
    {
        if (Map(node, "a rule") is not { } map) return null;
        string? id = null, message = null;
        RuleEffect? effect = null;
        ConditionSpec? when = null, unless = null;
        TimeSpan? defaultDuration = null, maxDuration = null;
        SourceRef? maxAt = null;
        ApprovalSpec? approval = null;
        AutoApproveSpec? auto = null;
        var requireReason = false;
        Regex? ticket = null;
        var seen = new Dictionary<string, YScalar>();
        foreach (var (key, value) in Entries(map, RuleKeys, "a rule"))
        {
            seen[key.Value] = key;
            switch (key.Value)
            {
                case "id": id = Text(value, "id"); break;
                case "description": Text(value, "description"); break;
                case "message": message = Text(value, "message"); break;
                case "effect":
                    var e = Text(value, "effect");
                    effect = e switch
                    {
                        "deny" => RuleEffect.Deny,
                        "allow" => RuleEffect.Allow,
                        "require_approval" => RuleEffect.RequireApproval,
                        _ => null,
                    };
                    if (e is not null && effect is null)
                        Bad(value, "bad-value", $"`effect: {e}` is not an effect; use deny, allow or require_approval.");
                    break;
                case "when": when = Condition(value, "when"); break;
                case "unless": unless = Condition(value, "unless"); break;
                case "duration":
                    if (Map(value, "duration") is not { } dm) break;
                    foreach (var (k, v) in Entries(dm, DurationKeys, "duration"))
                    {
                        if (k.Value == "default") defaultDuration = Duration(v);
                        else
                        {
                            maxDuration = Duration(v);
                            maxAt = At(v);
                        }
                    }
                    if (defaultDuration > maxDuration)
                        Bad(dm, "bad-duration", $"The default duration ({DurationText.Format(defaultDuration.Value)}) is longer than the maximum ({DurationText.Format(maxDuration!.Value)}).");
                    break;
                case "approval": approval = Approval(value); break;
                case "auto_approve": auto = AutoApprove(value); break;
                case "require":
                    if (Map(value, "require") is not { } rm) break;
                    foreach (var (k, v) in Entries(rm, RequireKeys, "require"))
                    {
                        if (k.Value == "reason") requireReason = Bool(v, "reason") ?? false;
                        else ticket = Pattern(v);
                    }
                    break;
            }
        }
        if (!Required(map, id, "id", "a rule") | !Required(map, effect is null && seen.ContainsKey("effect") ? "" : effect?.ToString(), "effect", "a rule"))
            return null;
        if (effect is null) return null;

        void NotFor(string key, string why)
        {
            if (seen.TryGetValue(key, out var k)) Bad(k, "bad-key-for-effect", $"`{key}` has no place on a {EffectName(effect.Value)} rule: {why}");
        }
        if (effect == RuleEffect.Deny)
        {
            foreach (var k in new[] { "duration", "approval", "auto_approve", "require" })
                NotFor(k, "a deny rule only denies.");
        }
        else if (effect == RuleEffect.RequireApproval)
        {
            NotFor("auto_approve", "a require_approval guard can only make a request stricter.");
            if (defaultDuration is not null && seen.TryGetValue("duration", out var dk))
                Bad(dk, "bad-key-for-effect", "A require_approval guard can lower `max` but cannot set a `default` duration.");
        }
        return new RuleSpec(id!, effect.Value, when ?? ConditionSpec.Always(At(map)), unless, defaultDuration, maxDuration,
            approval, auto, requireReason, ticket, message, At(map)) { MaxDurationAt = maxAt };
    }

    public static string EffectName(RuleEffect effect) => effect switch
    {
        RuleEffect.Deny => "deny",
        RuleEffect.Allow => "allow",
        _ => "require_approval",
    };

    ConditionSpec? Condition(YNode node, string what)
    {
        if (Map(node, what) is not { } map) return null;
        var principal = new List<TagMatcher>();
        var resource = new List<TagMatcher>();
        var joins = new List<JoinSpec>();
        bool? incident = null;
        Regex? channel = null, incidentLabel = null;
        TimeWindow? time = null;
        foreach (var (key, value) in Entries(map, ConditionKeys, what))
        {
            switch (key.Value)
            {
                case "principal": Matchers(value, principal, "principal"); break;
                case "resource": Matchers(value, resource, "resource"); break;
                case "match":
                    if (Map(value, "match") is not { } mm) break;
                    foreach (var (k, v) in Entries(mm, null, "match"))
                    {
                        var left = k.Value;
                        var right = Text(v, left);
                        if (right is null) continue;
                        var (lp, lk) = Split(left);
                        var (rp, rk) = Split(right);
                        if (lp == "principal" && rp == "resource" && lk.Length > 0 && rk.Length > 0) joins.Add(new JoinSpec(lk, rk, At(k)));
                        else if (lp == "resource" && rp == "principal" && lk.Length > 0 && rk.Length > 0) joins.Add(new JoinSpec(rk, lk, At(k)));
                        else Bad(k, "bad-value", $"`{left}: {right}` is not a tag join; write `principal.<tag>: resource.<tag>`.");
                    }
                    break;
                case "context":
                    if (Map(value, "context") is not { } cm) break;
                    foreach (var (k, v) in Entries(cm, ContextKeys, "context"))
                    {
                        switch (k.Value)
                        {
                            case "incident": incident = Bool(v, "incident"); break;
                            case "incident_label": incidentLabel = Pattern(v); break;
                            case "channel": channel = Pattern(v); break;
                            case "time": time = Time(v); break;
                        }
                    }
                    break;
            }
        }
        return new ConditionSpec(principal, resource, joins, incident, channel, time, At(map), incidentLabel);

        static (string, string) Split(string s)
        {
            var dot = s.IndexOf('.');
            return dot < 0 ? (s, "") : (s[..dot], s[(dot + 1)..]);
        }
    }

    void Matchers(YNode node, List<TagMatcher> into, string side)
    {
        if (Map(node, side) is not { } map) return;
        foreach (var (key, value) in Entries(map, null, side))
        {
            if (value is YMap nm)
            {
                string[]? values = null;
                foreach (var (k, v) in Entries(nm, ["not"], key.Value)) values = Strings(v, "not").ToArray();
                if (values is { Length: > 0 }) into.Add(new TagMatcher(key.Value, values, true, At(key)));
                else if (values is null) Bad(nm, "missing-key", $"`{key.Value}` as a mapping must be `{{not: value}}` or `{{not: [values]}}`.");
                continue;
            }
            var list = Strings(value, key.Value).ToArray();
            if (list.Length == 0)
            {
                Bad(value, "bad-value", $"`{key.Value}` needs at least one value to match.");
                continue;
            }
            into.Add(new TagMatcher(key.Value, list, false, At(key)));
        }
    }

    ApprovalSpec? Approval(YNode node)
    {
        if (Map(node, "approval") is not { } map) return null;
        var from = new List<ApproverRef>();
        var count = 1;
        TimeSpan? timeout = null, remindAfter = null;
        EscalationSpec? escalate = null;
        foreach (var (key, value) in Entries(map, ApprovalKeys, "approval"))
        {
            switch (key.Value)
            {
                case "from":
                    var f = Text(value, "from");
                    if (f == "owner-team") from.Add(new ApproverRef(ApproverKind.OwnerTeam, null, [], At(value)));
                    else if (f is not null) Bad(value, "bad-value", $"`from: {f}` is not known; use `from: owner-team`, `team: <id>`, `group: \"@handle\"` or `users: [U…]`.");
                    break;
                case "team":
                    if (Text(value, "team") is { } team) from.Add(new ApproverRef(ApproverKind.Team, team, [], At(value)));
                    break;
                case "group":
                    if (Text(value, "group") is { } g) from.Add(new ApproverRef(ApproverKind.Group, g, [], At(value)));
                    break;
                case "groups":
                    if (value is YSeq gs)
                        foreach (var item in gs.Items)
                            if (Text(item, "groups") is { } g2) from.Add(new ApproverRef(ApproverKind.Group, g2, [], At(item)));
                    if (value is not YSeq) Bad(value, "bad-type", $"`groups` is a list of group handles; this is {value.Kind}.");
                    break;
                case "users":
                    var users = Strings(value, "users").ToList();
                    foreach (var u in users)
                        if (!IsSlackId(u, 'U') && !IsSlackId(u, 'W'))
                            Bad(value, "bad-value", $"`{u}` is not a Slack user id; they look like U0123ABCD.");
                    if (users.Count > 0) from.Add(new ApproverRef(ApproverKind.Users, null, users, At(value)));
                    break;
                case "count":
                    var c = Int(value, "count");
                    if (c is < 1 or > 10) Bad(value, "bad-value", "`count` is how many approvers are needed: 1 to 10.");
                    else if (c is not null) count = c.Value;
                    break;
                case "timeout": timeout = Duration(value); break;
                case "remind_after": remindAfter = Duration(value); break;
                case "escalate": escalate = Escalate(value); break;
            }
        }
        if (from.Count == 0) from.Add(new ApproverRef(ApproverKind.OwnerTeam, null, [], At(map)));
        return new ApprovalSpec(from, count, timeout, At(map))
        {
            RemindAfter = remindAfter,
            RemindAfterAt = remindAfter is null ? null : At(map),
            Escalate = escalate,
        };
    }

    /// <summary><c>escalate: {after: 1h, group: "@leads"}</c> or <c>{after: 1h, team: platform}</c>: exactly one of group and team.</summary>
    EscalationSpec? Escalate(YNode node)
    {
        if (Map(node, "escalate") is not { } map) return null;
        TimeSpan? after = null;
        var to = new List<ApproverRef>();
        foreach (var (key, value) in Entries(map, EscalateKeys, "escalate"))
        {
            switch (key.Value)
            {
                case "after": after = Duration(value); break;
                case "group":
                    if (Text(value, "group") is { } g) to.Add(new ApproverRef(ApproverKind.Group, g, [], At(value)));
                    break;
                case "team":
                    if (Text(value, "team") is { } t) to.Add(new ApproverRef(ApproverKind.Team, t, [], At(value)));
                    break;
            }
        }
        if (to.Count != 1)
        {
            Bad(map, "bad-value", "`escalate` names who is asked next: exactly one of `group: \"@handle\"` or `team: <team id>`.");
            return null;
        }
        if (after is null)
        {
            if (!map.Entries.Any(e => e.Key.Value == "after"))
                Bad(map, "bad-value", "`escalate` needs `after:`, how long a request waits before it is escalated (e.g. `after: 1h`).");
            return null;
        }
        return new EscalationSpec(after.Value, to[0], At(map));
    }

    AutoApproveSpec? AutoApprove(YNode node)
    {
        if (node is YScalar s && Bool(s, "auto_approve") is { } b) return new AutoApproveSpec(b, []);
        if (node is YScalar) return null;
        if (node is YMap) return Condition(node, "auto_approve") is { } c ? new AutoApproveSpec(false, [c]) : null;
        var any = new List<ConditionSpec>();
        foreach (var item in ((YSeq)node).Items)
            if (Condition(item, "auto_approve") is { } c) any.Add(c);
        return new AutoApproveSpec(false, any);
    }

    TimeWindow? Time(YNode node)
    {
        if (Map(node, "time") is not { } map) return null;
        var days = new bool[7];
        Array.Fill(days, true);
        int start = 0, end = 24 * 60;
        TimeZoneInfo? zone = null;
        var ok = true;
        var text = new List<string>();
        foreach (var (key, value) in Entries(map, TimeKeys, "time"))
        {
            switch (key.Value)
            {
                case "days":
                    var spec = string.Join(",", Strings(value, "days"));
                    if (ParseDays(spec) is { } d) { days = d; text.Add(spec); }
                    else { Bad(value, "bad-time", $"`{spec}` is not a set of days; write Mon-Fri, Sat,Sun or [Mon, Wed]."); ok = false; }
                    break;
                case "hours":
                    var h = Text(value, "hours");
                    if (h is null) { ok = false; break; }
                    if (ParseHours(h, out start, out end)) text.Add(h);
                    else { Bad(value, "bad-time", $"`{h}` is not a time range; write 09:00-18:00 (end exclusive, 24:00 allowed)."); ok = false; }
                    break;
                case "tz": zone = Zone(value); if (zone is null) ok = false; break;
            }
        }
        if (!ok) return null;
        if (zone is not null) text.Add(zone.Id);
        return new TimeWindow(days, start, end, zone, string.Join(" ", text));
    }

    static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    internal static bool[]? ParseDays(string spec)
    {
        var days = new bool[7];
        foreach (var raw in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = raw.Split('-', StringSplitOptions.TrimEntries);
            if (parts.Length is < 1 or > 2) return null;
            var a = Day(parts[0]);
            var b = parts.Length == 2 ? Day(parts[1]) : a;
            if (a < 0 || b < 0) return null;
            for (var d = a; ; d = (d + 1) % 7)
            {
                days[d] = true;
                if (d == b) break;
            }
        }
        return days.Any(x => x) ? days : null;

        static int Day(string s) => s.Length >= 3 ? Array.IndexOf(DayNames, s[..3].ToLowerInvariant()) : -1;
    }

    internal static bool ParseHours(string text, out int start, out int end)
    {
        start = end = 0;
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        return parts.Length == 2 && Clock(parts[0], out start) && Clock(parts[1], out end) && start != end && start < 24 * 60;

        static bool Clock(string s, out int minutes)
        {
            minutes = 0;
            if (!TimeSpan.TryParseExact(s, ["h\\:mm", "hh\\:mm"], CultureInfo.InvariantCulture, out var t))
            {
                if (s != "24:00") return false;
                minutes = 24 * 60;
                return true;
            }
            minutes = (int)t.TotalMinutes;
            return t < TimeSpan.FromDays(1);
        }
    }

    // ---- small typed readers; each reports its own problem and returns null ----

    /// <summary>
    /// The mapping's usable entries, after reporting duplicate, unknown and empty keys; the mapping's own
    /// array when every entry is usable (the usual case, so nothing is allocated).
    /// </summary>
    KeyValuePair<YScalar, YNode>[] Entries(YMap map, string[]? allowed, string where, Func<string, string>? hint = null)
    {
        var pairs = map.Pairs;
        List<KeyValuePair<YScalar, YNode>>? usable = null;
        HashSet<string>? seen = pairs.Length > 8 ? new(StringComparer.Ordinal) : null;
        for (var i = 0; i < pairs.Length; i++)
        {
            var key = pairs[i].Key;
            if (!Usable(key, i))
            {
                if (usable is null)
                {
                    usable = new List<KeyValuePair<YScalar, YNode>>(pairs.Length);
                    for (var j = 0; j < i; j++) usable.Add(pairs[j]);
                }
                continue;
            }
            usable?.Add(pairs[i]);
        }
        return usable is null ? pairs : usable.ToArray();

        bool Usable(YScalar key, int i)
        {
            if (seen is not null ? !seen.Add(key.Value) : SeenBefore(pairs, i))
            {
                Bad(key, "duplicate-key", $"`{key.Value}` is given twice in {where}.");
                return false;
            }
            if (key.Value.StartsWith('\0')) return false;
            if (allowed is not null && Array.IndexOf(allowed, key.Value) < 0)
            {
                var suggestion = Closest(key.Value, allowed);
                Bad(key, "unknown-key", $"`{key.Value}` is not a key of {where}" +
                    (suggestion is null ? "." : $"; did you mean `{suggestion}`?") +
                    $" Known keys: {string.Join(", ", allowed)}." + (hint?.Invoke(key.Value) ?? ""));
                return false;
            }
            if (allowed is null && key.Value.Length == 0)
            {
                Bad(key, "bad-value", $"An empty key in {where}.");
                return false;
            }
            return true;
        }
    }

    static bool SeenBefore(KeyValuePair<YScalar, YNode>[] entries, int index)
    {
        for (var j = 0; j < index; j++)
            if (entries[j].Key.Value == entries[index].Key.Value) return true;
        return false;
    }

    /// <summary>The option closest to what was typed, when it is close enough to be a typo of it.</summary>
    internal static string? Closest(string typed, string[] options)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var o in options)
        {
            var d = EditDistance.Between(typed, o);
            if (d < bestDistance) (best, bestDistance) = (o, d);
        }
        return bestDistance <= Math.Max(2, typed.Length / 3) ? best : null;
    }

    IEnumerable<YNode> List(YNode node, string what)
    {
        if (node is YScalar { IsNull: true }) return [];
        if (node is YSeq seq) return seq.Items;
        Bad(node, "bad-type", $"`{what}` is a list (items start with `- `); this is {node.Kind}.");
        return [];
    }

    YMap? Map(YNode node, string what)
    {
        if (node is YMap map) return map;
        Bad(node, "bad-type", $"{Capital(what)} should be a mapping (`key: value` lines); this is {node.Kind}.");
        return null;
    }

    string? Text(YNode node, string what)
    {
        if (node is YScalar s && !s.IsNull) return s.Value;
        Bad(node, "bad-type", $"`{what}` should be a text value; this is {node.Kind}.");
        return null;
    }

    bool? Bool(YNode node, string what)
    {
        if (node is YScalar { Plain: true } s)
        {
            if (s.Value is "true" or "True" or "TRUE") return true;
            if (s.Value is "false" or "False" or "FALSE") return false;
        }
        Bad(node, "bad-type", $"`{what}` should be true or false.");
        return null;
    }

    int? Int(YNode node, string what)
    {
        if (node is YScalar { Plain: true } s && int.TryParse(s.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        Bad(node, "bad-type", $"`{what}` should be a whole number.");
        return null;
    }

    IEnumerable<string> Strings(YNode node, string what)
    {
        if (node is YScalar s)
        {
            if (!s.IsNull) return [s.Value];
            Bad(node, "bad-type", $"`{what}` should be a text value or a list of them; this is nothing.");
            return [];
        }
        if (node is YSeq seq)
        {
            var list = new List<string>();
            foreach (var item in seq.Items)
                if (Text(item, what) is { } t) list.Add(t);
            return list;
        }
        Bad(node, "bad-type", $"`{what}` should be a text value or a list of them; this is {node.Kind}.");
        return [];
    }

    IReadOnlyDictionary<string, string[]> MultiTags(YNode node)
    {
        var tags = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (Map(node, "tags") is not { } map) return tags;
        foreach (var (k, v) in Entries(map, null, "tags"))
        {
            if (k.Value == PolicyModel.GroupTag)
            {
                Bad(k, "bad-value", "`group` is given by Slack user group membership; it cannot be set as a tag.");
                continue;
            }
            var values = Strings(v, k.Value).ToArray();
            if (values.Length > 0) tags[k.Value] = values;
        }
        return tags;
    }

    TimeSpan? Duration(YNode node)
    {
        if (node is not YScalar s || s.IsNull)
        {
            Bad(node, "bad-type", $"A duration should be text like 30m, 2h or 1d; this is {node.Kind}.");
            return null;
        }
        if (DurationText.TryParse(s.Value, out var d, out var error)) return d;
        Bad(node, "bad-duration", error);
        return null;
    }

    Regex? Pattern(YNode node)
    {
        if (Text(node, "pattern") is not { } p) return null;
        if (p.Length > MaxPatternLength)
        {
            Bad(node, "bad-regex", $"The pattern is longer than {MaxPatternLength} characters.");
            return null;
        }
        try
        {
            return CompilePattern(p);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            Bad(node, "bad-regex", $"`{p}` is not a usable regular expression: {e.Message.Replace('\n', ' ')}");
            return null;
        }
    }

    /// <summary>Linear-time matching, so a pattern in a policy can never stall a decision.</summary>
    /// <remarks>
    /// Building a non-backtracking regular expression is costly and large policies repeat the same few
    /// patterns (a ticket format on thousands of rules), so recent patterns are shared: a
    /// <see cref="Regex"/> is immutable and safe to use from many threads.
    /// </remarks>
    internal static Regex CompilePattern(string pattern)
    {
        if (Patterns.TryGetValue(pattern, out var shared)) return shared;
        var regex = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        if (Patterns.Count >= MaxSharedPatterns) Patterns.Clear();
        Patterns.TryAdd(pattern, regex);
        return regex;
    }

    const int MaxSharedPatterns = 512;
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    TimeZoneInfo? Zone(YNode node)
    {
        if (Text(node, "tz") is not { } id) return null;
        if (id.Length < 64 && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone)) return zone;
        Bad(node, "bad-timezone", $"`{id}` is not a time zone; use an IANA name like Europe/London or America/New_York.");
        return null;
    }

    bool Required(YMap map, string? value, string key, string what)
    {
        if (value is not null) return true;
        if (!Array.Exists(map.Pairs, e => e.Key.Value == key))
            Bad(map, "missing-key", $"{Capital(what)} needs `{key}`.");
        return false;
    }

    internal static bool IsSlackId(string s, char first)
    {
        if (s.Length is < 3 or > 24 || s[0] != first) return false;
        foreach (var c in s)
            if (c is not (>= 'A' and <= 'Z' or >= '0' and <= '9')) return false;
        return true;
    }

    internal static bool IsResourceId(string s)
    {
        if (s.Length is < 1 or > 128 || !char.IsAsciiLetterOrDigit(s[0])) return false;
        foreach (var c in s)
            if (c is not (>= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.')) return false;
        return true;
    }

    static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    SourceRef At(YNode node) => new(file, node.Line, node.Column);

    void Bad(YNode node, string code, string message) => problems.Add(new PolicyProblem(file, node.Line, node.Column, code, message));
}

/// <summary>Edit distance, shared by suggestions in problems and in resource lookups.</summary>
internal static class EditDistance
{
    public static int Between(string a, string b)
    {
        if (a.Length > 256 || b.Length > 256) return Math.Max(a.Length, b.Length);
        Span<int> prev = stackalloc int[b.Length + 1];
        Span<int> cur = stackalloc int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            var swap = prev;
            prev = cur;
            cur = swap;
        }
        return prev[b.Length];
    }
}
