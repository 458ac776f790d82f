using JitBot.Common;

namespace JitBot.Policies;

/// <summary>
/// Checks a <see cref="PolicyModel"/> as a whole (ids, references, tag keys, reachability, shadowing) and
/// builds the index the snapshot decides with. Always builds, so that checks which need the index
/// (never-matches, shadowed-by-deny) can run; the loader refuses the result when there are errors.
/// </summary>
internal sealed class PolicyCompiler
{
    readonly PolicyModel model;
    readonly List<PolicyProblem> problems;
    readonly PolicyCatalog catalog;

    readonly Dictionary<string, int> values = new(StringComparer.Ordinal);
    readonly Dictionary<string, int> principalKeys = new(StringComparer.Ordinal);
    readonly Dictionary<string, int> resourceKeys = new(StringComparer.Ordinal);
    readonly Dictionary<int, HashSet<int>> principalValuesByKey = [];
    readonly Dictionary<int, HashSet<int>> resourceValuesByKey = [];

    /// <summary>How many threads the compile may use; 1 runs every step in order on the calling thread.</summary>
    readonly int parallelism;

    PolicyCompiler(PolicyModel model, List<PolicyProblem> problems, int parallelism)
    {
        this.model = model;
        this.problems = problems;
        this.parallelism = Math.Max(1, parallelism);
        catalog = PolicyCatalog.Build(model);
    }

    public static PolicySnapshot Compile(PolicyModel model, List<PolicyProblem> problems) =>
        Compile(model, problems, Environment.ProcessorCount);

    /// <summary>
    /// Compiles with at most <paramref name="parallelism"/> threads. The result (snapshot, problems and their
    /// order, interned ids) is the same for every value: work is split into fixed ranges and merged in order.
    /// </summary>
    internal static PolicySnapshot Compile(PolicyModel model, List<PolicyProblem> problems, int parallelism) =>
        new PolicyCompiler(model, problems, parallelism).Run();

    PolicySnapshot Run()
    {
        // The id, reference and tag-key checks only read the model and the catalog, and until the index is
        // built they are the only code that adds problems; so they run beside the interning and indexing
        // (which add none), and the problems come out in the same order as when run one after the other.
        Task? checks = null;
        string[]? sortedIds = null;
        void ChecksAndIds()
        {
            RunChecks();
            // The snapshot's sorted id list (for suggestions) is built here too, off the indexing path.
            sortedIds = catalog.Resources.Keys.Order(StringComparer.Ordinal).ToArray();
        }
        if (parallelism > 1) checks = Task.Run(ChecksAndIds);
        else ChecksAndIds();

        PolicyIndex index;
        CRule[] rules;
        List<CResource> resources;
        int[] matched;
        try
        {
            (index, rules, resources, matched) = InternAndIndex();
        }
        catch
        {
            // Never leave the checks writing to the problem list while the caller reports this failure.
            try { checks?.Wait(); } catch (AggregateException) { }
            throw;
        }
        checks?.GetAwaiter().GetResult();
        var snapshot = new PolicySnapshot(catalog, index.ById, index.People, index.Groups, rules, sortedIds!);

        CheckReachability(rules, matched);
        CheckShadowing(rules, resources, matched);
        return snapshot;
    }

    void RunChecks()
    {
        CheckIds();
        CheckReferences();
        CheckTagKeys();
    }

    sealed record PolicyIndex(Dictionary<string, CResource> ById, Dictionary<string, CPrincipalPart> People, Dictionary<string, CPrincipalPart> Groups);

    (PolicyIndex, CRule[], List<CResource>, int[]) InternAndIndex()
    {
        // Intern tags: principal side (people, groups and their handles), resource side (tags and the id).
        var people = new Dictionary<string, CPrincipalPart>(model.People.Count, StringComparer.Ordinal);
        foreach (var p in model.People)
        {
            var pairs = new List<ulong>();
            foreach (var (k, vs) in p.Tags) foreach (var v in vs) pairs.Add(PrincipalPair(k, v));
            people.TryAdd(p.SlackId, new CPrincipalPart(pairs.Distinct().ToArray()));
        }
        var groups = new Dictionary<string, CPrincipalPart>(StringComparer.Ordinal);
        foreach (var g in model.Groups)
        {
            var pairs = new List<ulong> { PrincipalPair(PolicyModel.GroupTag, g.Handle) };
            foreach (var (k, vs) in g.Tags) foreach (var v in vs) pairs.Add(PrincipalPair(k, v));
            groups.TryAdd(g.Id, new CPrincipalPart(pairs.Distinct().ToArray()));
        }
        ResourceKey(PolicyModel.IdTag);
        ResourceKey(PolicyModel.OwnerTeamTag);
        // Tag keys are few and the readers share one string per key, so a reference check skips most lookups.
        var seenKeys = new List<string>();
        foreach (var r in model.Resources)
            foreach (var k in r.Tags.Keys)
            {
                var seen = false;
                foreach (var s in seenKeys) if (ReferenceEquals(s, k)) { seen = true; break; }
                if (seen) continue;
                ResourceKey(k);
                if (seenKeys.Count < 64) seenKeys.Add(k);
            }
        foreach (var rule in model.Rules) RegisterKeys(rule);

        var all = InternResources();
        var resources = new List<CResource>(all.Length);
        var byId = new Dictionary<string, CResource>(all.Length, StringComparer.Ordinal);
        foreach (var cr in all)
            if (byId.TryAdd(cr.Spec.Id, cr)) resources.Add(cr);

        // Rules in id order: candidate lists built in this order are sorted by id for free. Compiling a rule only
        // reads the interned tags, so rules compile in parallel into their places.
        var specs = model.Rules.DistinctBy(r => r.Id).OrderBy(r => r.Id, StringComparer.Ordinal).ToArray();
        var rules = new CRule[specs.Length];
        For(specs.Length, (lo, hi) => { for (var i = lo; i < hi; i++) rules[i] = CompileRule(specs[i]); });
        var matched = BuildIndex(rules, resources);
        return (new PolicyIndex(byId, people, groups), rules, resources, matched);
    }

    /// <summary>
    /// Every resource with its interned tag values (duplicates included). Ranges of resources are interned in
    /// parallel, each with its own table for values not seen before; the tables are then merged in range order,
    /// which hands out exactly the ids a single pass in model order would.
    /// </summary>
    CResource[] InternResources()
    {
        var specs = model.Resources;
        var result = new CResource[specs.Count];
        var keyCount = resourceKeys.Count;
        var idKey = resourceKeys[PolicyModel.IdTag];
        var ranges = Ranges(specs.Count);
        var locals = new List<string>[ranges];
        For(specs.Count, ranges, (range, lo, hi) =>
        {
            var localIds = new Dictionary<string, int>(StringComparer.Ordinal);
            var localNames = new List<string>();
            var keyRefs = new string[16];
            var keyIds = new int[16];
            var keyRefCount = 0;
            for (var i = lo; i < hi; i++)
            {
                var r = specs[i];
                var vals = new int[keyCount];
                Array.Fill(vals, -1);
                vals[idKey] = Local(r.Id);
                foreach (var (k, v) in r.Tags) vals[Key(k)] = Local(v);
                result[i] = new CResource(r, catalog.ResourceInfos.GetValueOrDefault(r.Id) ?? PolicyCatalog.Info(r), vals);
            }
            locals[range] = localNames;

            // A value interned before this step keeps its id; a new one gets -2 - (its place in this range's table).
            int Local(string v)
            {
                if (values.TryGetValue(v, out var id)) return id;
                if (localIds.TryGetValue(v, out var local)) return -2 - local;
                local = localNames.Count;
                localIds[v] = local;
                localNames.Add(v);
                return -2 - local;
            }

            int Key(string k)
            {
                for (var j = 0; j < keyRefCount; j++) if (ReferenceEquals(keyRefs[j], k)) return keyIds[j];
                var id = resourceKeys[k];
                if (keyRefCount < keyRefs.Length) (keyRefs[keyRefCount], keyIds[keyRefCount++]) = (k, id);
                return id;
            }
        });

        var remaps = new int[ranges][];
        for (var range = 0; range < ranges; range++)
        {
            var names = locals[range];
            var remap = remaps[range] = new int[names.Count];
            for (var j = 0; j < names.Count; j++) remap[j] = Value(names[j]);
        }
        For(specs.Count, ranges, (range, lo, hi) =>
        {
            var remap = remaps[range];
            for (var i = lo; i < hi; i++)
            {
                var vals = result[i].Values;
                for (var k = 0; k < vals.Length; k++)
                    if (vals[k] < -1) vals[k] = remap[-2 - vals[k]];
            }
        });

        // The values each resource key takes, for expanding globs in rules.
        var seen = new bool[keyCount][];
        for (var k = 0; k < keyCount; k++) seen[k] = new bool[valueNames.Count];
        foreach (var cr in result)
            for (var k = 0; k < cr.Values.Length; k++)
                if (cr.Values[k] >= 0) seen[k][cr.Values[k]] = true;
        for (var k = 0; k < keyCount; k++)
        {
            HashSet<int>? set = null;
            for (var v = 0; v < seen[k].Length; v++)
                if (seen[k][v]) (set ??= []).Add(v);
            if (set is not null) resourceValuesByKey[k] = set;
        }
        return result;
    }

    int Ranges(int count) => parallelism == 1 || count < 2048 ? 1 : Math.Min(parallelism * 4, count / 1024);

    void For(int count, Action<int, int> body) => For(count, Ranges(count), (_, lo, hi) => body(lo, hi));

    /// <summary>Runs <paramref name="body"/>(range, lo, hi) over <paramref name="ranges"/> fixed, contiguous ranges of [0, count).</summary>
    void For(int count, int ranges, Action<int, int, int> body)
    {
        if (ranges <= 1)
        {
            body(0, 0, count);
            return;
        }
        Parallel.For(0, ranges, new ParallelOptions { MaxDegreeOfParallelism = parallelism },
            range => body(range, (int)((long)count * range / ranges), (int)((long)count * (range + 1) / ranges)));
    }

    // ---------------------------------------------------------------- index

    /// <summary>
    /// Buckets each rule under the resource-tag literals of its most selective `when.resource` condition, then
    /// gives every resource its candidate rules (checked against all its resource conditions), by effect.
    /// Rules without an equality literal on the resource side are checked against every resource once, here.
    /// Ranges of rules are matched in parallel; the matches are then handed to resources in rule order.
    /// </summary>
    int[] BuildIndex(CRule[] rules, List<CResource> resources)
    {
        // For each resource key some rule selects on: the resources holding each value, as one array of
        // positions per key (grouped by value, in resource order) and where each value's group starts.
        var keyCount = resourceKeys.Count;
        var valueCount = valueNames.Count;
        var used = new bool[keyCount];
        foreach (var rule in rules)
            foreach (var m in rule.When.Resource)
                if (!m.Negated && !m.AnyValue && m.Key >= 0) used[m.Key] = true;
        var starts = new int[keyCount][];
        var positions = new int[keyCount][];
        For(keyCount, keyCount, (k, _, _) =>
        {
            if (!used[k]) return;
            var start = new int[valueCount + 2];
            foreach (var r in resources)
                if (k < r.Values.Length && r.Values[k] >= 0) start[r.Values[k] + 2]++;
            for (var v = 2; v < start.Length; v++) start[v] += start[v - 1];
            var at = new int[start[^1]];
            for (var i = 0; i < resources.Count; i++)
            {
                var vals = resources[i].Values;
                if (k < vals.Length && vals[k] >= 0) at[start[vals[k] + 1]++] = i;
            }
            // start[v + 1] now ends value v's group, which is where value v + 1's begins.
            (starts[k], positions[k]) = (start, at);
        });
        int Begin(int key, int value) => starts[key][value];
        int End(int key, int value) => starts[key][value + 1];

        var matched = new int[rules.Length];
        var ranges = parallelism == 1 ? 1 : Math.Min(rules.Length, parallelism * 8);
        var found = new List<long>[Math.Max(1, ranges)];
        For(rules.Length, Math.Max(1, ranges), (range, lo, hi) =>
        {
            var hits = new List<long>();
            for (var i = lo; i < hi; i++)
            {
                var rule = rules[i];
                CMatcher? best = null;
                var bestCost = long.MaxValue;
                foreach (var m in rule.When.Resource)
                {
                    if (m.Negated || m.AnyValue || m.Key < 0) continue;
                    long cost = 0;
                    foreach (var v in m.Values) cost += End(m.Key, v) - Begin(m.Key, v);
                    if (cost < bestCost) (best, bestCost) = (m, cost);
                }
                if (best is null)
                {
                    for (var r = 0; r < resources.Count; r++) Try(r);
                }
                else
                {
                    var at = positions[best.Key];
                    foreach (var v in best.Values)
                        for (var j = Begin(best.Key, v); j < End(best.Key, v); j++) Try(at[j]);
                }

                void Try(int r)
                {
                    if (!AllResourceMatch(rule.When.Resource, resources[r].Values)) return;
                    hits.Add(((long)r << 32) | (uint)i);
                    matched[i]++;
                }
            }
            found[range] = hits;
        });

        // Ranges in order, each in rule order: every resource's lists come out in rule (id) order.
        var counts = new int[3, resources.Count];
        foreach (var hits in found)
            foreach (var hit in hits)
                counts[Slot(rules[(int)hit]), (int)(hit >> 32)]++;
        var lists = new CRule[3][][];
        for (var e = 0; e < 3; e++)
        {
            lists[e] = new CRule[resources.Count][];
            for (var r = 0; r < resources.Count; r++) lists[e][r] = counts[e, r] == 0 ? [] : new CRule[counts[e, r]];
        }
        var filled = new int[3, resources.Count];
        foreach (var hits in found)
            foreach (var hit in hits)
            {
                var rule = rules[(int)hit];
                var e = Slot(rule);
                var r = (int)(hit >> 32);
                lists[e][r][filled[e, r]++] = rule;
            }
        for (var r = 0; r < resources.Count; r++)
        {
            resources[r].Denies = lists[0][r];
            resources[r].Guards = lists[1][r];
            resources[r].Allows = lists[2][r];
        }
        return matched;

        static int Slot(CRule rule) => rule.Spec.Effect switch
        {
            RuleEffect.Deny => 0,
            RuleEffect.RequireApproval => 1,
            _ => 2,
        };
    }

    static bool AllResourceMatch(CMatcher[] matchers, int[] values)
    {
        foreach (var m in matchers)
            if (m.OnResource(values) != Tri.True) return false;
        return true;
    }

    CRule CompileRule(RuleSpec spec) => new(spec, Condition(spec.When), spec.Unless is null ? null : Condition(spec.Unless),
        spec.AutoApprove is null ? [] : spec.AutoApprove.Any.Select(Condition).ToArray());

    CCondition Condition(ConditionSpec c) => new(
        c.Principal.Select(m => Matcher(m, principalKeys, principalValuesByKey)).ToArray(),
        c.Resource.Select(m => Matcher(m, resourceKeys, resourceValuesByKey)).ToArray(),
        c.Joins.Select(j => new CJoin(principalKeys.GetValueOrDefault(j.PrincipalKey, -1), resourceKeys.GetValueOrDefault(j.ResourceKey, -1))).ToArray(),
        c.Incident, c.Channel, c.Time, c.IncidentLabel);

    CMatcher Matcher(TagMatcher m, Dictionary<string, int> keys, Dictionary<int, HashSet<int>> known)
    {
        var key = keys.GetValueOrDefault(m.Key, -1);
        var ids = new SortedSet<int>();
        var any = false;
        foreach (var v in m.Values)
        {
            if (v == "*") { any = true; continue; }
            if (v.Contains('*'))
            {
                if (key >= 0 && known.TryGetValue(key, out var candidates))
                    foreach (var id in candidates)
                        if (Glob.Matches(v, valueNames[id])) ids.Add(id);
                continue;
            }
            if (values.TryGetValue(v, out var vid)) ids.Add(vid);
        }
        return new CMatcher(key, [.. ids], m.Negated, any);
    }

    readonly List<string> valueNames = [];

    int Value(string v)
    {
        if (values.TryGetValue(v, out var id)) return id;
        id = values.Count;
        values[v] = id;
        valueNames.Add(v);
        return id;
    }

    ulong PrincipalPair(string key, string value)
    {
        var k = PrincipalKey(key);
        var v = Value(value);
        if (!principalValuesByKey.TryGetValue(k, out var set)) principalValuesByKey[k] = set = [];
        set.Add(v);
        return EvalInput.Pair(k, v);
    }

    int PrincipalKey(string key)
    {
        if (!principalKeys.TryGetValue(key, out var k)) principalKeys[key] = k = principalKeys.Count;
        return k;
    }

    int ResourceKey(string key)
    {
        if (!resourceKeys.TryGetValue(key, out var k)) resourceKeys[key] = k = resourceKeys.Count;
        return k;
    }

    void RegisterKeys(RuleSpec rule)
    {
        foreach (var c in Conditions(rule))
        {
            foreach (var m in c.Resource) ResourceKey(m.Key);
            foreach (var j in c.Joins) ResourceKey(j.ResourceKey);
        }
    }

    static IEnumerable<ConditionSpec> Conditions(RuleSpec rule)
    {
        yield return rule.When;
        if (rule.Unless is not null) yield return rule.Unless;
        if (rule.AutoApprove is not null) foreach (var c in rule.AutoApprove.Any) yield return c;
    }

    // ---------------------------------------------------------------- checks

    void CheckIds()
    {
        Unique(model.Teams, t => t.Id, t => t.At, "team");
        Unique(model.Groups, g => g.Id, g => g.At, "group id");
        Unique(model.Groups, g => g.Handle, g => g.At, "group handle");
        Unique(model.People, p => p.SlackId, p => p.At, "person");
        Unique(model.Resources, r => r.Id, r => r.At, "resource");
        Unique(model.Rules, r => r.Id, r => r.At, "rule");

        void Unique<T>(List<T> items, Func<T, string> id, Func<T, SourceRef> at, string what)
        {
            var seen = new Dictionary<string, SourceRef>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                if (seen.TryAdd(id(item), at(item))) continue;
                var first = seen[id(item)];
                Add(at(item), "duplicate-id", $"The {what} `{id(item)}` is already defined at {first.File}:{first.Line}:{first.Column}.");
            }
        }
    }

    void CheckReferences()
    {
        foreach (var t in model.Teams)
        {
            if (!(t.Channel.StartsWith('#') && t.Channel.Length > 1) && !PolicyParser.IsSlackId(t.Channel, 'C') && !PolicyParser.IsSlackId(t.Channel, 'G'))
                Add(t.At, "bad-value", $"Team `{t.Id}` has channel `{t.Channel}`; write a channel name like \"#payments-access\" or a channel id like C0123ABCD.");
            if (t.GroupHandle is not null && !catalog.GroupsByHandle.ContainsKey(t.GroupHandle))
                Add(t.At, "unknown-group", $"Team `{t.Id}` names approver group `{t.GroupHandle}`, which is not declared under `groups` (with its Slack id).");
        }
        foreach (var r in model.Resources)
        {
            if (r.OwnerTeam is null)
                Add(r.At, "missing-owner-team", $"Resource `{r.Id}` has no owning team: add `owner-team: <team id>` to its tags.");
            else if (!catalog.Teams.ContainsKey(r.OwnerTeam))
                Add(r.At, "unknown-team", $"Resource `{r.Id}` is owned by team `{r.OwnerTeam}`, which is not declared under `teams`.");
        }
        foreach (var rule in model.Rules)
        {
            if (rule.Approval is { } a)
                foreach (var f in a.From)
                {
                    if (f.Kind == ApproverKind.Team && !catalog.Teams.ContainsKey(f.Name!))
                        Add(f.At, "unknown-team", $"Rule `{rule.Id}` asks team `{f.Name}` to approve, but no such team is declared.");
                    if (f.Kind == ApproverKind.Group && !catalog.GroupsByHandle.ContainsKey(f.Name!))
                        Add(f.At, "unknown-group", $"Rule `{rule.Id}` asks group `{f.Name}` to approve, but it is not declared under `groups`.");
                }
            if (rule.Approval is { } timed) CheckApprovalSteps(rule, timed);
            foreach (var c in Conditions(rule))
                foreach (var m in c.Principal)
                    if (m.Key == PolicyModel.GroupTag)
                        foreach (var v in m.Values)
                            if (!v.Contains('*') && !catalog.GroupsByHandle.ContainsKey(v))
                                AddForRule(rule, m.At, "unknown-group", $"Rule `{rule.Id}` refers to group `{v}`, which is not declared under `groups`.");
        }
    }

    /// <summary>
    /// A reminder or an escalation happens only while the request waits: each must come before the approval timeout
    /// (the rule's own, or the policy's), and a reminder before the escalation; the escalation names a declared team or group.
    /// </summary>
    void CheckApprovalSteps(RuleSpec rule, ApprovalSpec a)
    {
        var timeout = a.Timeout is { } t && t > TimeSpan.Zero ? t : model.Settings.ApprovalTimeout;
        var timeoutText = a.Timeout is null ? $"the policy's approval_timeout ({DurationText.Format(timeout)})" : $"its timeout ({DurationText.Format(timeout)})";
        if (a.RemindAfter is { } remind && remind >= timeout)
            Add(a.RemindAfterAt ?? a.At, "bad-value", $"Rule `{rule.Id}` reminds approvers after {DurationText.Format(remind)}, which is not before {timeoutText}: the reminder would never be sent. Make `remind_after` shorter.");
        if (a.Escalate is not { } e) return;
        if (e.After >= timeout)
            Add(e.At, "bad-value", $"Rule `{rule.Id}` escalates after {DurationText.Format(e.After)}, which is not before {timeoutText}: the escalation would never happen. Make `escalate.after` shorter.");
        if (a.RemindAfter is { } r && r >= e.After)
            Add(a.RemindAfterAt ?? a.At, "bad-value", $"Rule `{rule.Id}` reminds after {DurationText.Format(r)}, which is not before its escalation ({DurationText.Format(e.After)}). Make `remind_after` shorter or leave it out.");
        if (e.To.Kind == ApproverKind.Team && !catalog.Teams.ContainsKey(e.To.Name!))
            Add(e.To.At, "unknown-team", $"Rule `{rule.Id}` escalates to team `{e.To.Name}`, but no such team is declared.");
        if (e.To.Kind == ApproverKind.Group && !catalog.GroupsByHandle.ContainsKey(e.To.Name!))
            Add(e.To.At, "unknown-group", $"Rule `{rule.Id}` escalates to group `{e.To.Name}`, but it is not declared under `groups` (with its Slack id).");
    }

    void CheckTagKeys()
    {
        var s = model.Settings;
        if (s.ResourceTagKeys is { } rk)
        {
            bool Known(string k) => rk.Contains(k) || k is PolicyModel.IdTag or PolicyModel.OwnerTeamTag;
            foreach (var r in model.Resources)
                foreach (var k in r.Tags.Keys)
                    if (!Known(k)) Add(r.At, "unknown-tag-key", $"Resource `{r.Id}` has tag `{k}`, which is not in `policy.tag_keys.resource`.{Hint(k, rk)}");
            foreach (var rule in model.Rules)
                foreach (var c in Conditions(rule))
                {
                    foreach (var m in c.Resource)
                        if (!Known(m.Key)) AddForRule(rule, m.At, "unknown-tag-key", $"Rule `{rule.Id}` matches resource tag `{m.Key}`, which is not in `policy.tag_keys.resource`.{Hint(m.Key, rk)}");
                    foreach (var j in c.Joins)
                        if (!Known(j.ResourceKey)) AddForRule(rule, j.At, "unknown-tag-key", $"Rule `{rule.Id}` joins on resource tag `{j.ResourceKey}`, which is not in `policy.tag_keys.resource`.{Hint(j.ResourceKey, rk)}");
                }
        }
        if (s.PrincipalTagKeys is { } pk)
        {
            bool Known(string k) => pk.Contains(k) || k is PolicyModel.GroupTag;
            foreach (var p in model.People)
                foreach (var k in p.Tags.Keys)
                    if (!Known(k)) Add(p.At, "unknown-tag-key", $"Person `{p.SlackId}` has tag `{k}`, which is not in `policy.tag_keys.principal`.{Hint(k, pk)}");
            foreach (var g in model.Groups)
                foreach (var k in g.Tags.Keys)
                    if (!Known(k)) Add(g.At, "unknown-tag-key", $"Group `{g.Handle}` has tag `{k}`, which is not in `policy.tag_keys.principal`.{Hint(k, pk)}");
            foreach (var rule in model.Rules)
                foreach (var c in Conditions(rule))
                {
                    foreach (var m in c.Principal)
                        if (!Known(m.Key)) AddForRule(rule, m.At, "unknown-tag-key", $"Rule `{rule.Id}` matches principal tag `{m.Key}`, which is not in `policy.tag_keys.principal`.{Hint(m.Key, pk)}");
                    foreach (var j in c.Joins)
                        if (!Known(j.PrincipalKey)) AddForRule(rule, j.At, "unknown-tag-key", $"Rule `{rule.Id}` joins on principal tag `{j.PrincipalKey}`, which is not in `policy.tag_keys.principal`.{Hint(j.PrincipalKey, pk)}");
                }
        }

        static string Hint(string typed, IReadOnlySet<string> known)
        {
            string? best = null;
            var bestDistance = int.MaxValue;
            foreach (var k in known)
            {
                var d = EditDistance.Between(typed, k);
                if (d < bestDistance) (best, bestDistance) = (k, d);
            }
            return best is not null && bestDistance <= 2 ? $" Did you mean `{best}`?" : " Declare it there or fix the spelling.";
        }
    }

    void CheckReachability(CRule[] rules, int[] matched)
    {
        for (var i = 0; i < rules.Length; i++)
        {
            var spec = rules[i].Spec;
            if (reported.Contains(spec.Id)) continue;
            if (matched[i] == 0)
            {
                Add(spec.When.At, "never-matches", $"Rule `{spec.Id}` matches no resource in the catalog: no resource has the tags its `when.resource` asks for.");
                continue;
            }
            foreach (var m in spec.When.Principal)
            {
                if (m.Negated || m.Values.Any(v => v.Contains('*'))) continue;
                var key = principalKeys.GetValueOrDefault(m.Key, -1);
                var anyone = key >= 0 && principalValuesByKey.TryGetValue(key, out var set) &&
                             m.Values.Any(v => values.TryGetValue(v, out var id) && set.Contains(id));
                if (!anyone)
                    Add(m.At, "never-matches", $"Rule `{spec.Id}` needs principal tag `{m.Key}` to be {string.Join(" or ", m.Values)}, but no person or group has that tag value.");
            }
        }
    }

    /// <summary>An allow rule every one of whose resources is denied outright (to everyone, always) can never allow anything.</summary>
    void CheckShadowing(CRule[] rules, List<CResource> resources, int[] matched)
    {
        var ruleIndex = new Dictionary<CRule, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < rules.Length; i++) ruleIndex[rules[i]] = i;
        var covered = new int[rules.Length];
        var by = new Dictionary<CRule, string>(ReferenceEqualityComparer.Instance);
        foreach (var r in resources)
        {
            CRule? absolute = null;
            foreach (var d in r.Denies)
                if (d.Spec.When.OnlyResource && d.Spec.Unless is null) { absolute = d; break; }
            if (absolute is null) continue;
            foreach (var a in r.Allows)
            {
                covered[ruleIndex[a]]++;
                by.TryAdd(a, absolute.Spec.Id);
            }
        }
        for (var i = 0; i < rules.Length; i++)
        {
            if (rules[i].Spec.Effect != RuleEffect.Allow || matched[i] == 0 || covered[i] != matched[i]) continue;
            Add(rules[i].Spec.At, "shadowed-by-deny",
                $"Allow rule `{rules[i].Spec.Id}` can never allow anything: every resource it matches is denied to everyone by `{by[rules[i]]}`.",
                ProblemSeverity.Warning);
        }
    }

    /// <summary>Rules already reported for a bad reference; "never matches" would only repeat that.</summary>
    readonly HashSet<string> reported = new(StringComparer.Ordinal);

    void Add(SourceRef at, string code, string message, ProblemSeverity severity = ProblemSeverity.Error) =>
        problems.Add(new PolicyProblem(at.File, at.Line, at.Column, code, message, severity));

    void AddForRule(RuleSpec rule, SourceRef at, string code, string message)
    {
        reported.Add(rule.Id);
        Add(at, code, message);
    }
}

/// <summary>`*` matches any run of characters; everything else matches itself.</summary>
internal static class Glob
{
    public static bool Matches(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] != '*' && pattern[p] == text[t]) { p++; t++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
