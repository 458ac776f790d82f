namespace JitBot.Policies;

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

internal static class ResourceSuggestions
{
    /// <summary>Catalogs up to this size are searched in full; larger ones around where the text would sort.</summary>
    public const int FullSearchLimit = 5000;
    const int Window = 16;

    /// <summary>
    /// Ids starting with, then containing, then close by edit distance to what was typed; best first. For large
    /// catalogs only the ids that sort near the typed text are scored, so an unknown id stays cheap to decide.
    /// </summary>
    public static IReadOnlyList<string> Find(IReadOnlyList<string> sortedIds, string? typed, int max)
    {
        typed = (typed ?? "").Trim().ToLowerInvariant();
        if (typed.Length == 0 || typed.Length > 128 || max <= 0) return [];
        var from = 0;
        var to = sortedIds.Count;
        if (sortedIds.Count > FullSearchLimit)
        {
            var lo = 0;
            var hi = sortedIds.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (string.CompareOrdinal(sortedIds[mid], typed) < 0) lo = mid + 1; else hi = mid;
            }
            from = Math.Max(0, lo - Window);
            to = Math.Min(sortedIds.Count, lo + Window);
        }
        var scored = new List<(int Score, string Id)>();
        var limit = Math.Max(2, typed.Length / 3);
        for (var i = from; i < to; i++)
        {
            var id = sortedIds[i];
            int score;
            if (id.StartsWith(typed, StringComparison.Ordinal)) score = 0;
            else if (id.Contains(typed, StringComparison.Ordinal)) score = 1;
            else
            {
                if (Math.Abs(id.Length - typed.Length) > limit) continue;
                var d = EditDistance.Between(typed, id);
                if (d > limit) continue;
                score = 1 + d;
            }
            scored.Add((score, id));
        }
        return scored.OrderBy(s => s.Score).ThenBy(s => s.Id.Length).ThenBy(s => s.Id, StringComparer.Ordinal)
            .Take(max).Select(s => s.Id).ToArray();
    }
}
