namespace JitBot.Storage;

/// <summary>
/// The order of <see cref="IRequestGrantStore.GrantsForUserAsync"/>: active grants first, soonest expiry first;
/// then ended ones, the most recently ended first; ties by id (ordinal).
/// </summary>
internal sealed class UserGrantOrder : IComparer<GrantRecord>
{
    public static readonly UserGrantOrder Instance = new();

    public int Compare(GrantRecord? x, GrantRecord? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var xActive = x.Grant.State == Requests.GrantState.Active;
        var yActive = y.Grant.State == Requests.GrantState.Active;
        if (xActive != yActive) return xActive ? -1 : 1;
        var byTime = xActive
            ? x.Grant.ExpiresAt.CompareTo(y.Grant.ExpiresAt)
            : (y.Grant.EndedAt ?? y.Grant.ExpiresAt).CompareTo(x.Grant.EndedAt ?? x.Grant.ExpiresAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(x.Grant.Id.Value, y.Grant.Id.Value);
    }
}
