using JitBot.Storage;

namespace JitBot.Requests;

/// <summary>What a typed grant or request id resolved to: the one it names, or a sentence saying what to type instead.</summary>
public sealed record ShortIdMatch<T>(T? Found, string? Problem) where T : class
{
    public static ShortIdMatch<T> Of(T found) => new(found, null);

    public static ShortIdMatch<T> Refused(string problem) => new(null, problem);
}

/// <summary>
/// Reads back the ids people type (<c>/access revoke p3n8</c>): the whole id (<c>grt_p3n8d2w6z0ab</c>), the id
/// without its prefix (<c>p3n8d2w6z0ab</c>), or a prefix of at least <see cref="MinLength"/> characters of it,
/// such as the short id Slack shows (<see cref="GrantId.Short"/>), in any case, in a code span or not. Only the
/// grants or requests the person may act on count (the caller says which): a prefix that fits one of them
/// names it; one that fits several asks for more characters; one that fits none is answered the same way
/// whether or not such an id exists for someone else, so ids cannot be probed. As in Crockford's base32, which
/// the ids are written in, "i" and "l" are read as "1" and "o" as "0".
/// </summary>
public sealed class ShortIds(IRequestGrantStore store)
{
    /// <summary>The fewest characters of an id that are read as a prefix.</summary>
    public const int MinLength = 4;

    /// <summary>How many ids starting with a prefix are looked at before those the person may act on are picked.</summary>
    public const int Lookup = 100;

    const int BodyLength = 12;
    const int ShownWhenAmbiguous = 5;

    /// <summary>The grant <paramref name="typed"/> names among those <paramref name="mayActOn"/> accepts.</summary>
    public async Task<ShortIdMatch<GrantRecord>> GrantAsync(string? typed, Func<GrantRecord, CancellationToken, ValueTask<bool>> mayActOn,
        CancellationToken cancellationToken)
    {
        if (Read(typed, GrantId.Prefix, RequestId.Prefix, "grant", out var prefix) is { } problem) return ShortIdMatch<GrantRecord>.Refused(problem);
        var candidates = new List<GrantRecord>();
        foreach (var grant in await store.FindGrantsByIdPrefixAsync(prefix, Lookup, cancellationToken).ConfigureAwait(false))
            if (await mayActOn(grant, cancellationToken).ConfigureAwait(false)) candidates.Add(grant);
        return Pick(prefix, candidates, g => g.Grant.Id.Value, GrantId.Prefix, "grant");
    }

    /// <summary>The request <paramref name="typed"/> names among those <paramref name="mayActOn"/> accepts.</summary>
    public async Task<ShortIdMatch<AccessRequest>> RequestAsync(string? typed, Func<AccessRequest, CancellationToken, ValueTask<bool>> mayActOn,
        CancellationToken cancellationToken)
    {
        if (Read(typed, RequestId.Prefix, GrantId.Prefix, "request", out var prefix) is { } problem) return ShortIdMatch<AccessRequest>.Refused(problem);
        var candidates = new List<AccessRequest>();
        foreach (var request in await store.FindRequestsByIdPrefixAsync(prefix, Lookup, cancellationToken).ConfigureAwait(false))
            if (await mayActOn(request, cancellationToken).ConfigureAwait(false)) candidates.Add(request);
        return Pick(prefix, candidates, r => r.Id.Value, RequestId.Prefix, "request");
    }

    /// <summary>
    /// Reads <paramref name="typed"/> as an id of the kind that starts with <paramref name="prefix"/>; on success
    /// <paramref name="idPrefix"/> is what the store looks up ("grt_p3n8"), otherwise the sentence to answer with.
    /// </summary>
    public static string? Read(string? typed, string prefix, string otherPrefix, string noun, out string idPrefix)
    {
        idPrefix = "";
        var text = (typed ?? "").Trim().Trim('`', '"', '\'', '“', '”', ',', '.').ToLowerInvariant();
        var example = noun == "grant" ? "p3n8d2" : "7k2m9x";
        if (text.Length == 0)
            return $"Say which {noun}: type its id as Slack shows it, e.g. `{example}`. `/access list` shows yours.";
        if (text.StartsWith(otherPrefix, StringComparison.Ordinal))
            return $"`{Shown(text)}` is the id of a {(noun == "grant" ? "request" : "grant")}, not of a {noun}. `/access list` shows each {noun} with its id.";
        var body = text.StartsWith(prefix, StringComparison.Ordinal) ? text[prefix.Length..] : text;
        if (body.Length == 0 || body.Length > BodyLength || !body.All(char.IsAsciiLetterOrDigit))
            return $"\"{Shown(text)}\" is not a {noun} id. {Capitalized(noun)} ids are letters and digits such as `{example}`; `/access list` shows yours.";
        if (body.Length < MinLength)
            return $"`{body}` is too short: type at least {MinLength} characters of the {noun} id, e.g. `{example}`.";
        idPrefix = prefix + string.Concat(body.Select(c => c switch { 'i' or 'l' => '1', 'o' => '0', _ => c }));
        return null;
    }

    /// <summary>The one candidate whose id starts with <paramref name="idPrefix"/>, or the sentence for none or several.</summary>
    public static ShortIdMatch<T> Pick<T>(string idPrefix, IEnumerable<T> candidates, Func<T, string> idOf, string prefix, string noun) where T : class
    {
        var typed = idPrefix.StartsWith(prefix, StringComparison.Ordinal) ? idPrefix[prefix.Length..] : idPrefix;
        var matches = candidates.Where(c => idOf(c).StartsWith(idPrefix, StringComparison.Ordinal))
            .DistinctBy(idOf).OrderBy(idOf, StringComparer.Ordinal).ToList();
        if (matches.Count == 1) return ShortIdMatch<T>.Of(matches[0]);
        if (matches.Count == 0)
            return ShortIdMatch<T>.Refused($"You have no {noun} `{typed}` that you can act on. `/access list` shows your {noun}s with their ids.");
        var ids = matches.Select(m => idOf(m)[prefix.Length..]).ToList();
        var shown = Distinguishing(ids).Take(ShownWhenAmbiguous).Select(i => $"`{i}`");
        var more = matches.Count > ShownWhenAmbiguous ? $" and {matches.Count - ShownWhenAmbiguous} more" : "";
        return ShortIdMatch<T>.Refused(
            $"`{typed}` fits {matches.Count} of your {noun}s ({string.Join(", ", shown)}{more}); type more characters of the one you mean.");
    }

    /// <summary>Each id cut to its short form, or longer where the short forms are the same.</summary>
    static IEnumerable<string> Distinguishing(IReadOnlyList<string> ids)
    {
        var length = Ids.ShortLength;
        while (length < BodyLength && ids.Select(i => i[..Math.Min(length, i.Length)]).Distinct().Count() < ids.Count) length++;
        return ids.Select(i => i[..Math.Min(length, i.Length)]);
    }

    static string Shown(string text) => (text.Length > 40 ? text[..40] + "…" : text).Replace('`', '\'');

    static string Capitalized(string noun) => char.ToUpperInvariant(noun[0]) + noun[1..];
}
