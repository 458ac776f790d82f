namespace JitBot.Storage;

/// <summary>
/// The id prefixes the stores look up (<see cref="IRequestGrantStore.FindGrantsByIdPrefixAsync"/>): ids are
/// ASCII (<c>grt_</c>/<c>req_</c> and lower-case letters and digits), so a prefix is searched as the range of
/// ordinal strings from itself up to <see cref="UpperBound"/>, one index range in either store.
/// </summary>
internal static class IdPrefix
{
    /// <summary>Longest prefix worth looking up: a whole id is 16 characters.</summary>
    public const int MaxLength = 64;

    /// <summary>True for a prefix that could begin an id: 1–64 characters among a–z, 0–9 and _.</summary>
    public static bool IsSearchable(string? prefix) =>
        prefix is { Length: > 0 and <= MaxLength } && prefix.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    /// <summary>The smallest string above every string that starts with <paramref name="prefix"/> (ordinal): its last character plus one.</summary>
    public static string UpperBound(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);
}
