using JitBot.Requests;

namespace JitBot.Grants;

public enum GrantTrigger
{
    /// <summary>Its time ran out and the access was taken back (or covered by a longer grant).</summary>
    Expire,
    /// <summary>Taken back before its time (roadmap: Revoke-now, incident closed).</summary>
    Revoke,
    /// <summary>The provider could not carry the grant out.</summary>
    ProvisionFailed,
}

/// <summary>Every legal move of a grant, in one table.</summary>
public static class GrantLifecycle
{
    static readonly Dictionary<(GrantState, GrantTrigger), GrantState> Moves = new()
    {
        [(GrantState.Active, GrantTrigger.Expire)] = GrantState.Expired,
        [(GrantState.Active, GrantTrigger.Revoke)] = GrantState.Revoked,
        [(GrantState.Active, GrantTrigger.ProvisionFailed)] = GrantState.Failed,
    };

    public static GrantState? Next(GrantState from, GrantTrigger on) =>
        Moves.TryGetValue((from, on), out var to) ? to : null;

    public static GrantState NextOrThrow(GrantState from, GrantTrigger on) =>
        Next(from, on) ?? throw new InvalidOperationException($"A grant cannot move from {from} on {on}.");
}

/// <summary>How long to wait before trying a failed revocation again: 30 s, 1 min, 2 min, … up to 15 minutes.</summary>
public static class RevokeBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Max = TimeSpan.FromMinutes(15);

    public static TimeSpan After(int failedAttempts)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 10);
        var delay = TimeSpan.FromTicks(First.Ticks << exponent);
        return delay > Max ? Max : delay;
    }
}
