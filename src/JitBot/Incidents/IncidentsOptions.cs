namespace JitBot.Incidents;

/// <summary>The <c>Incidents</c> settings.</summary>
public sealed class IncidentsOptions
{
    public const string Section = "Incidents";

    /// <summary>
    /// How often the incident sweep asks Slack whether each open incident's channel is archived (minutes; 0 turns
    /// the check off). conversations.info is rate tier 3, one call per open incident per check.
    /// </summary>
    public int ArchiveCheckMinutes { get; set; } = 5;
}
