namespace JitBot.Policies;

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
