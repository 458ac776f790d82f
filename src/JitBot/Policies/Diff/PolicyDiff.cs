using JitBot.Common;

namespace JitBot.Policies.Diff;

/// <summary>What changed between two versions of a policy, for every principal and resource of either.</summary>
/// <param name="Samples">The first changes of each kind (people and resources in order), at most the sample size each.</param>
/// <param name="Counts">How many principal × resource pairs change, by kind (complete, not sampled).</param>
public sealed record PolicyDiffResult(
    string OldVersion,
    string NewVersion,
    IReadOnlyDictionary<ChangeKind, IReadOnlyList<AccessChange>> Samples,
    IReadOnlyDictionary<ChangeKind, long> Counts,
    long ChangedPairs,
    int ChangedPrincipals,
    int ChangedResources,
    IReadOnlyList<string> PeopleAdded,
    IReadOnlyList<string> PeopleRemoved,
    IReadOnlyList<string> ResourcesAdded,
    IReadOnlyList<string> ResourcesRemoved,
    long Decisions,
    bool Everything,
    IReadOnlyDictionary<string, string> Names)
{
    public bool Same => ChangedPairs == 0;

    /// <summary>How a principal is shown: "Ana (U0PAY0001)", "members of @payments-oncall".</summary>
    public string Shown(string principal) => Names.TryGetValue(principal, out var n) ? n : principal;
}

/// <summary>
/// Compares two policy versions by deciding with the real engine (<see cref="PolicySnapshot.Decide"/>) in both.
/// Principals are every person listed in either version (with their own tags, in no group) and every declared
/// group (a member of only that group); each is asked for every resource of either version, for the longest
/// duration, without a reason, outside an incident, at <c>at</c>. Only pairs that something changed can touch are
/// decided: resources whose tags changed or whose candidate rules (from the engine's index, in either version)
/// include a changed, added or removed rule or name a changed team or group, times every principal; and principals
/// whose tags changed, times every resource. A change of the policy's time zone re-decides everything.
/// </summary>
public static class PolicyDiff
{
    const string GroupPrefix = "group:";

    public static PolicyDiffResult Compare(PolicySnapshot before, PolicySnapshot after, DateTimeOffset at, int samplesPerKind = 50)
    {
        var a = before.Catalog;
        var b = after.Catalog;

        // Principals and resources of either version, in a stable order.
        var principals = a.People.Keys.Union(b.People.Keys).Order(StringComparer.Ordinal)
            .Concat(a.GroupsById.Keys.Union(b.GroupsById.Keys).Order(StringComparer.Ordinal).Select(g => GroupPrefix + g)).ToArray();
        var resources = a.Resources.Keys.Union(b.Resources.Keys).Order(StringComparer.Ordinal).ToArray();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in principals) names[p] = Name(p, a, b);

        var everything = a.Settings.Zone.Id != b.Settings.Zone.Id;
        var changedRules = Changed(RuleTexts(a), RuleTexts(b));
        var changedTeams = Changed(a.Teams.ToDictionary(t => t.Key, t => SpecText.Team(t.Value)), b.Teams.ToDictionary(t => t.Key, t => SpecText.Team(t.Value)));
        var changedGroups = Changed(a.GroupsById.ToDictionary(g => g.Key, g => SpecText.Group(g.Value)), b.GroupsById.ToDictionary(g => g.Key, g => SpecText.Group(g.Value)));
        var changedNames = new HashSet<string>(changedTeams, StringComparer.Ordinal);
        foreach (var g in changedGroups)
        {
            if (a.GroupsById.TryGetValue(g, out var og)) changedNames.Add(og.Handle);
            if (b.GroupsById.TryGetValue(g, out var ng)) changedNames.Add(ng.Handle);
        }
        foreach (var r in a.Model.Rules.Concat(b.Model.Rules))
            if (SpecText.NamedApprovers(r).Any(changedNames.Contains)) changedRules.Add(r.Id);

        var touchedResource = new bool[resources.Length];
        Parallel.For(0, resources.Length, i =>
        {
            var id = resources[i];
            var oldSpec = a.Resources.GetValueOrDefault(id);
            var newSpec = b.Resources.GetValueOrDefault(id);
            touchedResource[i] = everything
                || oldSpec is null || newSpec is null
                || SpecText.Tags(oldSpec.Tags) != SpecText.Tags(newSpec.Tags)
                || (oldSpec.OwnerTeam is { } ot && changedTeams.Contains(ot))
                || (newSpec.OwnerTeam is { } nt && changedTeams.Contains(nt))
                || (changedRules.Count > 0 && before.CandidateRules(id).Any(r => changedRules.Contains(r.Id)))
                || (changedRules.Count > 0 && after.CandidateRules(id).Any(r => changedRules.Contains(r.Id)));
        });
        var touchedPrincipal = principals.Select(p => p.StartsWith(GroupPrefix, StringComparison.Ordinal)
            ? changedGroups.Contains(p[GroupPrefix.Length..])
            : !(a.People.TryGetValue(p, out var op) && b.People.TryGetValue(p, out var np) && SpecText.Tags(op.Tags) == SpecText.Tags(np.Tags))).ToArray();

        var someOnes = Enumerable.Range(0, principals.Length).Where(p => touchedPrincipal[p]).ToArray();
        var requests = principals.Select(p => p.StartsWith(GroupPrefix, StringComparison.Ordinal)
            ? new Principal("", [p[GroupPrefix.Length..]])
            : new Principal(p, [])).ToArray();
        var context = new RequestContext(at);
        var perResource = new ResourceChanges?[resources.Length];
        var principalChanged = new bool[principals.Length];
        long decisions = 0;
        Parallel.For(0, resources.Length, () => 0L, (i, _, made) =>
        {
            var all = touchedResource[i];
            if (!all && someOnes.Length == 0) return made;
            ResourceChanges? found = null;
            var count = all ? principals.Length : someOnes.Length;
            for (var k = 0; k < count; k++)
            {
                var p = all ? k : someOnes[k];
                var oldAccess = Decide(before, requests[p], resources[i], context, ref made);
                var newAccess = Decide(after, requests[p], resources[i], context, ref made);
                if (oldAccess == newAccess) continue;
                var change = new AccessChange(principals[p], resources[i], oldAccess, newAccess);
                var kinds = change.Kinds.ToArray();
                if (kinds.Length == 0) continue;
                (found ??= new ResourceChanges()).Add(change, kinds, samplesPerKind);
                principalChanged[p] = true;
            }
            perResource[i] = found;
            return made;
        }, made => Interlocked.Add(ref decisions, made));

        var samples = Enum.GetValues<ChangeKind>().ToDictionary(k => k, _ => new List<AccessChange>());
        var counts = Enum.GetValues<ChangeKind>().ToDictionary(k => k, _ => 0L);
        long pairs = 0;
        var changedResources = 0;
        foreach (var r in perResource)
        {
            if (r is null) continue;
            changedResources++;
            pairs += r.Pairs;
            foreach (var (kind, n) in r.Counts) counts[kind] += n;
            foreach (var (kind, list) in r.Samples)
                foreach (var c in list)
                    if (samples[kind].Count < samplesPerKind) samples[kind].Add(c);
        }

        return new PolicyDiffResult(before.Version, after.Version,
            samples.ToDictionary(s => s.Key, s => (IReadOnlyList<AccessChange>)s.Value), counts, pairs,
            principalChanged.Count(c => c), changedResources,
            b.People.Keys.Except(a.People.Keys).Order(StringComparer.Ordinal).ToArray(),
            a.People.Keys.Except(b.People.Keys).Order(StringComparer.Ordinal).ToArray(),
            b.Resources.Keys.Except(a.Resources.Keys).Order(StringComparer.Ordinal).ToArray(),
            a.Resources.Keys.Except(b.Resources.Keys).Order(StringComparer.Ordinal).ToArray(),
            decisions, everything, names);
    }

    /// <summary>
    /// The access a version gives, asked without a reason; when that is refused only for want of a reason, asked
    /// again with one, so that the approvers are those the engine would name once the reason is given.
    /// </summary>
    static Access Decide(PolicySnapshot snapshot, Principal who, string resource, RequestContext context, ref long made)
    {
        made++;
        var first = Access.Of(snapshot.Decide(new DecisionRequest(who, resource, DurationText.Longest, null, context)));
        if (first.Needs != "reason" || first.Outcome != DecisionOutcome.ApprovalRequired) return first;
        made++;
        var again = Access.Of(snapshot.Decide(new DecisionRequest(who, resource, DurationText.Longest, "policy diff", context)));
        return again.Needs.Length == 0 ? first with { Approvers = again.Approvers, Outcome = again.Outcome } : first;
    }

    static Dictionary<string, string> RuleTexts(PolicyCatalog c) =>
        c.Model.Rules.AsParallel().Select(r => (r.Id, Text: SpecText.Rule(r))).ToDictionary(r => r.Id, r => r.Text, StringComparer.Ordinal);

    /// <summary>Ids whose text differs, or that only one version has.</summary>
    static HashSet<string> Changed(Dictionary<string, string> before, Dictionary<string, string> after)
    {
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, text) in before)
            if (!after.TryGetValue(id, out var other) || other != text) changed.Add(id);
        foreach (var id in after.Keys)
            if (!before.ContainsKey(id)) changed.Add(id);
        return changed;
    }

    static string Name(string principal, PolicyCatalog a, PolicyCatalog b)
    {
        if (principal.StartsWith(GroupPrefix, StringComparison.Ordinal))
        {
            var id = principal[GroupPrefix.Length..];
            var handle = b.GroupsById.GetValueOrDefault(id)?.Handle ?? a.GroupsById.GetValueOrDefault(id)?.Handle ?? id;
            return $"members of {handle}";
        }
        var name = b.People.GetValueOrDefault(principal)?.Name ?? a.People.GetValueOrDefault(principal)?.Name;
        return name is { Length: > 0 } ? $"{name} ({principal})" : principal;
    }

    /// <summary>The changes found on one resource: counts by kind and the first few of each.</summary>
    sealed class ResourceChanges
    {
        public long Pairs;
        public Dictionary<ChangeKind, long> Counts { get; } = [];
        public Dictionary<ChangeKind, List<AccessChange>> Samples { get; } = [];

        public void Add(AccessChange change, ChangeKind[] kinds, int keep)
        {
            Pairs++;
            foreach (var k in kinds)
            {
                Counts[k] = Counts.GetValueOrDefault(k) + 1;
                if (!Samples.TryGetValue(k, out var list)) Samples[k] = list = [];
                if (list.Count < keep) list.Add(change);
            }
        }
    }
}
