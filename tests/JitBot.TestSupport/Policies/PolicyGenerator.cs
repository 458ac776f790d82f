using System.Text.RegularExpressions;
using JitBot.Policies;

namespace JitBot.TestSupport.Policies;

/// <summary>
/// Builds a realistic policy in memory (teams with on-call groups, services owned by teams, resources per
/// service and environment, people with several tags, and a mix of deny, allow and guard rules), for the
/// benchmarks and for checking the indexed evaluator against the plain one. Deterministic for a seed.
/// </summary>
internal sealed class PolicyGenerator(int rules, int resources, int people, int seed = 42)
{
    static readonly string[] Envs = ["dev", "staging", "production"];
    static readonly string[] Classes = ["public", "internal", "confidential", "restricted"];
    static readonly string[] Kinds = ["database", "cluster", "queue", "bucket", "service", "cache", "warehouse", "vm"];
    static readonly string[] Regions = ["eu-west", "eu-central", "us-east", "us-west", "ap-south"];
    static readonly string[] Departments = ["engineering", "finance", "hr", "sales"];
    static readonly Regex Ticket = PolicyParser.CompilePattern("(INC|CHG)-[0-9]+");
    static readonly Regex IncidentChannels = PolicyParser.CompilePattern("^inc-");

    public PolicyModel Generate()
    {
        var random = new Random(seed);
        var at = SourceRef.None;
        var model = new PolicyModel
        {
            Settings = PolicySettings.Defaults with { IncidentChannels = IncidentChannels },
            Version = $"sha256:{seed:x8}{rules:x8}{resources:x8}{people:x8}".PadRight(71, '0'),
        };
        var teamCount = Math.Max(3, resources / 400);
        var serviceCount = Math.Max(teamCount, resources / 10);
        for (var t = 0; t < teamCount; t++)
        {
            var team = Team(t);
            model.Groups.Add(new GroupSpec($"S{t:D6}ONC", $"@{team}-oncall", Tags(("team", team), ("role", "oncall")), at));
            model.Groups.Add(new GroupSpec($"S{t:D6}ENG", $"@{team}-eng", Tags(("team", team)), at));
            model.Teams.Add(new TeamSpec(team, $"#{team}-access", $"@{team}-oncall", [], at));
        }
        model.Groups.Add(new GroupSpec("S000SECURE", "@security", Tags(("role", "security")), at));
        model.Groups.Add(new GroupSpec("S000FINSEC", "@finance-security", Tags(("role", "finance-security")), at));

        for (var p = 0; p < people; p++)
        {
            var teams = random.Next(10) == 0 ? new[] { Team(random.Next(teamCount)), Team(random.Next(teamCount)) } : [Team(random.Next(teamCount))];
            var employment = random.Next(100) switch { < 85 => "staff", < 95 => "contractor", _ => "intern" };
            model.People.Add(new PersonSpec(User(p), new Dictionary<string, string[]>
            {
                ["team"] = teams.Distinct().ToArray(),
                ["employment"] = [employment],
                ["location"] = [Regions[random.Next(Regions.Length)]],
                ["clearance"] = [Classes[random.Next(1, Classes.Length)]],
            }, at));
        }

        var serviceTeam = new int[serviceCount];
        for (var s = 0; s < serviceCount; s++) serviceTeam[s] = random.Next(teamCount);
        var resourceService = new int[resources];
        var resourceIndex = new Dictionary<ResourceSpec, int>(ReferenceEqualityComparer.Instance);
        for (var r = 0; r < resources; r++)
        {
            var s = random.Next(serviceCount);
            resourceService[r] = s;
            var env = Envs[random.Next(100) switch { < 40 => 0, < 70 => 1, _ => 2 }];
            var cls = Classes[random.Next(100) switch { < 10 => 0, < 50 => 1, < 85 => 2, _ => 3 }];
            var tags = new Dictionary<string, string>
            {
                ["env"] = env,
                [PolicyModel.OwnerTeamTag] = Team(serviceTeam[s]),
                ["data-class"] = cls,
                ["kind"] = Kinds[random.Next(Kinds.Length)],
                ["service"] = Service(s),
                ["region"] = Regions[random.Next(Regions.Length)],
                ["department"] = Departments[random.Next(100) switch { < 80 => 0, < 90 => 1, < 95 => 2, _ => 3 }],
            };
            var spec = new ResourceSpec($"{Service(s)}-{env}-{r:D6}", $"Resource {r}", tags, "record", new Dictionary<string, string>(), at);
            resourceIndex[spec] = r;
            model.Resources.Add(spec);
        }

        // A few broad rules every policy has, then many rules scoped to services.
        var n = 0;
        string Id(string kind) => $"{kind}-{n++:D5}";
        ConditionSpec When(TagMatcher[]? p = null, TagMatcher[]? r = null, JoinSpec[]? j = null, bool? incident = null) =>
            new(p ?? [], r ?? [], j ?? [], incident, null, null, at);
        var ownerJoin = new[] { new JoinSpec("team", PolicyModel.OwnerTeamTag, at) };
        var oncall = new AutoApproveSpec(false, [When(p: [M("role", "oncall")])]);
        var ownerApproval = new ApprovalSpec([new ApproverRef(ApproverKind.OwnerTeam, null, [], at)], 1, null, at);
        var businessHours = new TimeWindow([false, true, true, true, true, true, false], 9 * 60, 18 * 60, null, "Mon-Fri 09:00-18:00");

        model.Rules.Add(Rule(Id("deny"), RuleEffect.Deny, When(p: [M("employment", "contractor")], r: [M("data-class", "restricted")])));
        model.Rules.Add(Rule(Id("deny"), RuleEffect.Deny, When(p: [M("employment", "intern")], r: [M("env", "production")])));
        model.Rules.Add(Rule(Id("allow"), RuleEffect.Allow, When(r: [M("env", "dev")], j: ownerJoin), auto: new AutoApproveSpec(true, []), max: TimeSpan.FromHours(8)));
        model.Rules.Add(Rule(Id("allow"), RuleEffect.Allow, When(r: [M("env", "staging")], j: ownerJoin), approval: ownerApproval, auto: oncall, max: TimeSpan.FromHours(4)));
        model.Rules.Add(Rule(Id("allow"), RuleEffect.Allow, When(p: [M("employment", "staff")], r: [M("env", "production"), M("data-class", "internal", "confidential")], incident: true),
            auto: new AutoApproveSpec(true, []), max: TimeSpan.FromHours(2), ticket: Ticket));
        model.Rules.Add(Rule(Id("guard"), RuleEffect.RequireApproval, When(r: [M("department", "finance"), M("env", "production")]),
            unless: new ConditionSpec([], [], [], null, null, businessHours, at),
            approval: new ApprovalSpec([new ApproverRef(ApproverKind.Group, "@finance-security", [], at)], 1, null, at), max: TimeSpan.FromHours(1)));

        while (model.Rules.Count < rules)
        {
            // Scope each rule to a real resource's service and environment, as people write rules for what exists.
            var anchor = model.Resources[random.Next(model.Resources.Count)];
            var s = resourceService[resourceIndex[anchor]];
            var roll = random.Next(100);
            var env = anchor.Tags["env"];
            var cls = anchor.Tags["data-class"];
            if (roll < 4)
            {
                model.Rules.Add(Rule(Id("deny"), RuleEffect.Deny, When(p: [M("location", Regions[random.Next(Regions.Length)])], r: [M("service", Service(s)), M("data-class", cls)])));
            }
            else if (roll < 14)
            {
                model.Rules.Add(Rule(Id("guard"), RuleEffect.RequireApproval, When(r: [M("service", Service(s)), M("env", env)]),
                    approval: new ApprovalSpec([new ApproverRef(ApproverKind.OwnerTeam, null, [], at)], 2, null, at), max: TimeSpan.FromHours(random.Next(1, 4))));
            }
            else if (roll < 16)
            {
                // Unindexable on the resource side (a glob): checked against every resource at load, never at decide time.
                model.Rules.Add(Rule(Id("allow"), RuleEffect.Allow, When(p: [new TagMatcher("employment", ["staff"], false, at)],
                        r: [new TagMatcher("service", [$"{Service(s)[..^1]}*"], false, at), M("env", env)]),
                    approval: ownerApproval, max: TimeSpan.FromHours(4)));
            }
            else if (roll < 50)
            {
                model.Rules.Add(Rule(Id("allow"), RuleEffect.Allow, When(r: [M("service", Service(s)), M("env", env)], j: ownerJoin),
                    approval: ownerApproval, auto: random.Next(2) == 0 ? oncall : null,
                    def: TimeSpan.FromHours(1), max: TimeSpan.FromHours(random.Next(1, 9)), reason: env == "production"));
            }
            else if (roll < 80)
            {
                var other = Team(random.Next(teamCount));
                model.Rules.Add(Rule(Id("allow"), RuleEffect.Allow, When(p: [M("team", other), M("employment", "staff")], r: [M("service", Service(s)), M("env", env)]),
                    approval: new ApprovalSpec([new ApproverRef(ApproverKind.OwnerTeam, null, [], at)], random.Next(1, 3), null, at),
                    max: TimeSpan.FromHours(random.Next(1, 5)), reason: true, ticket: random.Next(3) == 0 ? Ticket : null));
            }
            else
            {
                model.Rules.Add(Rule(Id("allow"), RuleEffect.Allow, When(p: [M("clearance", "restricted"), new TagMatcher("employment", ["contractor"], true, at)],
                        r: [M("service", Service(s)), M("data-class", "restricted", cls)]),
                    approval: new ApprovalSpec([new ApproverRef(ApproverKind.Group, "@security", [], at), new ApproverRef(ApproverKind.OwnerTeam, null, [], at)], 1, null, at),
                    auto: new AutoApproveSpec(false, [When(incident: true, p: [M("role", "oncall")])]),
                    max: TimeSpan.FromHours(2), reason: true));
            }
        }
        return model;

        TagMatcher M(string key, params string[] values) => new(key, values, false, at);
        RuleSpec Rule(string id, RuleEffect effect, ConditionSpec when, ConditionSpec? unless = null, ApprovalSpec? approval = null,
            AutoApproveSpec? auto = null, TimeSpan? def = null, TimeSpan? max = null, bool reason = false, Regex? ticket = null) =>
            new(id, effect, when, unless, def, max, approval, auto, reason, ticket, null, at);
    }

    static Dictionary<string, string[]> Tags(params (string Key, string Value)[] tags) => tags.ToDictionary(t => t.Key, t => new[] { t.Value });
    public static string Team(int t) => $"team-{t:D3}";
    public static string Service(int s) => $"svc-{s:D5}";
    public static string User(int p) => $"U{p:D8}";

    /// <summary>Random requests over a generated model: mostly known people and resources, some unknown; varied context.</summary>
    public static IEnumerable<DecisionRequest> Requests(PolicyModel model, int count, int seed)
    {
        var random = new Random(seed);
        var groupIds = model.Groups.Select(g => g.Id).ToArray();
        var reasons = new string?[] { null, "", "INC-4312 payouts stuck", "CHG-77 migration", "looking around", "inc-1 lowercase" };
        var channels = new string?[] { null, "inc-4312", "#inc-9", "general", "#payments" };
        var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            var user = random.Next(20) == 0 ? "U99999999" : model.People[random.Next(model.People.Count)].SlackId;
            var groups = Enumerable.Range(0, random.Next(4)).Select(_ => groupIds[random.Next(groupIds.Length)]).Distinct().ToArray();
            var resource = random.Next(50) == 0 ? "no-such-resource" : model.Resources[random.Next(model.Resources.Count)].Id;
            TimeSpan? duration = random.Next(3) == 0 ? null : TimeSpan.FromMinutes(15 * random.Next(1, 60));
            yield return new DecisionRequest(new Principal(user, groups), resource, duration, reasons[random.Next(reasons.Length)],
                new RequestContext(start.AddMinutes(random.Next(7 * 24 * 60)), null, channels[random.Next(channels.Length)], random.Next(5) == 0));
        }
    }
}
