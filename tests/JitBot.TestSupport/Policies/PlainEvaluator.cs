using JitBot.Policies;

namespace JitBot.TestSupport.Policies;

/// <summary>
/// The reference evaluator: every rule, one by one, on plain strings, straight from the written model. Slow
/// on purpose and kept simple, so tests can check the indexed <see cref="PolicySnapshot"/> against it.
/// </summary>
internal sealed class PlainEvaluator(PolicyCatalog catalog)
{
    readonly RuleSpec[] rules = catalog.Model.Rules.DistinctBy(r => r.Id).OrderBy(r => r.Id, StringComparer.Ordinal).ToArray();

    public Decision Decide(DecisionRequest request)
    {
        if (!catalog.Resources.TryGetValue(request.ResourceId, out var resource))
            return DecisionBuilder.UnknownResource(catalog, request.ResourceId,
                ResourceSuggestions.Find(catalog.Resources.Keys.Order(StringComparer.Ordinal).ToArray(), request.ResourceId, 3));

        var principal = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        void Add(string k, string v)
        {
            if (!principal.TryGetValue(k, out var set)) principal[k] = set = new HashSet<string>(StringComparer.Ordinal);
            set.Add(v);
        }
        if (catalog.People.TryGetValue(request.Principal.SlackUserId, out var person))
            foreach (var (k, vs) in person.Tags) foreach (var v in vs) Add(k, v);
        foreach (var gid in request.Principal.SlackUserGroupIds)
            if (catalog.GroupsById.TryGetValue(gid, out var g))
            {
                Add(PolicyModel.GroupTag, g.Handle);
                foreach (var (k, vs) in g.Tags) foreach (var v in vs) Add(k, v);
            }
        var resourceTags = new Dictionary<string, string>(resource.Tags, StringComparer.Ordinal) { [PolicyModel.IdTag] = resource.Id };
        var incident = request.Context.Incident || catalog.IsIncidentChannel(request.Context.ChannelName);

        Tri Eval(ConditionSpec c)
        {
            var result = Tri.True;
            void Fold(Tri t)
            {
                if (result == Tri.False) return;
                if (t == Tri.False) result = Tri.False;
                else if (t == Tri.Unknown) result = Tri.Unknown;
            }
            foreach (var m in c.Resource)
                Fold(resourceTags.TryGetValue(m.Key, out var v) ? Truth(m.Values.Any(p => Like(p, v)) != m.Negated) : Tri.Unknown);
            foreach (var m in c.Principal)
                Fold(principal.TryGetValue(m.Key, out var vs) ? Truth(vs.Any(v => m.Values.Any(p => Like(p, v))) != m.Negated) : Tri.Unknown);
            foreach (var j in c.Joins)
                Fold(resourceTags.TryGetValue(j.ResourceKey, out var rv) && principal.TryGetValue(j.PrincipalKey, out var pv)
                    ? Truth(pv.Contains(rv))
                    : Tri.Unknown);
            if (c.Incident is { } inc) Fold(Truth(inc == incident));
            if (c.Time is { } t) Fold(Truth(t.Contains(request.Context.At, catalog.Settings.Zone)));
            if (c.Channel is { } ch)
                Fold(string.IsNullOrEmpty(request.Context.ChannelName) ? Tri.Unknown : Truth(ch.IsMatch(CCondition.ChannelText(request.Context.ChannelName))));
            return result;
        }

        bool Applies(RuleSpec r)
        {
            if (Eval(r.When) != Tri.True) return false;
            if (r.Unless is null) return true;
            var u = Eval(r.Unless);
            return r.Effect == RuleEffect.Allow ? u == Tri.False : u != Tri.True;
        }

        var denies = rules.Where(r => r.Effect == RuleEffect.Deny && Applies(r)).ToList();
        if (denies.Count > 0) return DecisionBuilder.Build(catalog, resource, catalog.ResourceInfos[resource.Id], request, denies, null, null);
        var allows = rules.Where(r => r.Effect == RuleEffect.Allow && Applies(r))
            .Select(r => new AllowMatch(r, r.AutoApprove is { } a && (a.Always || a.Any.Any(c => Eval(c) == Tri.True))))
            .ToList();
        if (allows.Count == 0) return DecisionBuilder.Build(catalog, resource, catalog.ResourceInfos[resource.Id], request, null, null, null);
        var guards = rules.Where(r => r.Effect == RuleEffect.RequireApproval && Applies(r)).ToList();
        return DecisionBuilder.Build(catalog, resource, catalog.ResourceInfos[resource.Id], request, null, allows, guards.Count == 0 ? null : guards);
    }

    static Tri Truth(bool b) => b ? Tri.True : Tri.False;

    static bool Like(string pattern, string value) =>
        pattern == "*" || (pattern.Contains('*') ? Glob.Matches(pattern, value) : pattern == value);
}
