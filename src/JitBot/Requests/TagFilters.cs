using JitBot.Policies;

namespace JitBot.Requests;

/// <summary>
/// The <c>tag:value</c> filters of <c>/access resources</c>: a resource matches when every filter holds (AND). A tag is
/// one of the resource's tags or its implicit <c>id</c>; names and values are compared ignoring case, and a value may
/// use <c>*</c> for any characters (<c>env:prod*</c>, <c>kind:*</c> for "has the tag"), as in policies.
/// </summary>
public sealed class TagFilters
{
    public static readonly TagFilters None = new([]);

    public TagFilters(IReadOnlyList<(string Tag, string Value)> filters) => Filters = filters;

    public IReadOnlyList<(string Tag, string Value)> Filters { get; }

    public bool IsEmpty => Filters.Count == 0;

    public bool Match(ResourceInfo resource)
    {
        foreach (var (tag, value) in Filters)
            if (ValueOf(resource, tag) is not { } actual || !Glob(value, actual)) return false;
        return true;
    }

    /// <summary>The resource's value for a tag (the implicit <c>id</c> included), ignoring the tag's case; null when it has none.</summary>
    public static string? ValueOf(ResourceInfo resource, string tag)
    {
        if (tag.Equals("id", StringComparison.OrdinalIgnoreCase)) return resource.Id;
        if (resource.Tags.TryGetValue(tag, out var exact)) return exact;
        foreach (var (k, v) in resource.Tags)
            if (k.Equals(tag, StringComparison.OrdinalIgnoreCase)) return v;
        return null;
    }

    /// <summary>
    /// For a filter that matched nothing: the first filter whose tag no catalog resource has, or whose value none has,
    /// with the tag names or that tag's values that do exist (at most <paramref name="max"/>, sorted).
    /// </summary>
    public (string Tag, string Value, bool UnknownTag, IReadOnlyList<string> Known)? FirstUnmatched(IPolicySnapshot policy, int max = 12)
    {
        var resources = policy.ResourceIds.Select(policy.FindResource).OfType<ResourceInfo>().ToList();
        foreach (var (tag, value) in Filters)
        {
            var values = resources.Select(r => ValueOf(r, tag)).OfType<string>().ToList();
            if (values.Count == 0)
            {
                var tags = resources.SelectMany(r => r.Tags.Keys).Append("id").Distinct(StringComparer.Ordinal)
                    .Order(StringComparer.Ordinal).Take(max).ToList();
                return (tag, value, true, tags);
            }
            if (!values.Any(v => Glob(value, v)))
                return (tag, value, false, values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(max).ToList());
        }
        return null;
    }

    /// <summary>A <c>*</c> glob over the whole value, ignoring case (linear: no backtracking beyond the last star).</summary>
    public static bool Glob(string pattern, string value)
    {
        int p = 0, v = 0, star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && pattern[p] != '*' && char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(value[v]))
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++mark;
            }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
