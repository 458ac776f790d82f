namespace JitBot.Grants;

/// <summary>The <c>Grants</c> settings.</summary>
public sealed class GrantsOptions
{
    public const string Section = "Grants";

    /// <summary>After this many failed attempts to revoke a grant, the owning team's channel and the admin channel are told (once).</summary>
    public int RevokeAlertAfter { get; set; } = 3;

    /// <summary>
    /// How many grants this process revokes at the same time at most (provider calls under way); more due grants
    /// wait their turn in <see cref="RevocationBatcher"/>. Between 1 and 1,000.
    /// </summary>
    public int RevokeConcurrency { get; set; } = 64;

    /// <summary>
    /// A grant ended more than this many seconds after its expiry is counted as late and logged at Warning
    /// (at most one line a minute; 0 turns the warning off; the lateness metric is recorded either way).
    /// </summary>
    public double RevokeLateWarnSeconds { get; set; } = 5;

    /// <summary>How often every provider is asked whether the grants and the real system agree (0 turns it off).</summary>
    public int ReconcileMinutes { get; set; } = 10;

    /// <summary>
    /// How many minutes before a grant ends its holder gets a direct message with Extend and Revoke-now buttons, unless
    /// the resource's <c>expiry_warning</c> says otherwise (0 turns it off).
    /// </summary>
    public int WarnBeforeMinutes { get; set; } = 10;
}
