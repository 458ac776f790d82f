namespace JitBot.Grants;

/// <summary>The <c>Grants</c> settings.</summary>
public sealed class GrantsOptions
{
    public const string Section = "Grants";

    /// <summary>After this many failed attempts to revoke a grant, the owning team's channel and the admin channel are told (once).</summary>
    public int RevokeAlertAfter { get; set; } = 3;

    /// <summary>How often every provider is asked whether the grants and the real system agree (0 turns it off).</summary>
    public int ReconcileMinutes { get; set; } = 10;
}
