using System.Text.RegularExpressions;

namespace JitBot.Incidents;

/// <summary>Identifies an incident, e.g. "inc_7k2m9x4q1c3v".</summary>
public readonly record struct IncidentId(string Value)
{
    public static IncidentId New() => new("inc_" + Requests.Ids.Random(12));
    public override string ToString() => Value;
}

/// <summary>Open → Ending → Ended. Every move is a compare-and-swap in the store.</summary>
public enum IncidentState
{
    /// <summary>Running: requests made in its channel are tied to it.</summary>
    Open,
    /// <summary>Its end began: its grants are being revoked and its pending requests closed. Resumed after a restart.</summary>
    Ending,
    /// <summary>Over: nothing tied to it is active any more, and its digest is queued.</summary>
    Ended,
}

/// <summary>Why an incident ended.</summary>
public static class IncidentEndReasons
{
    public const string Command = "ended with /access incident end";
    public const string MaximumLength = "its maximum length was reached";
    public const string ChannelArchived = "its channel was archived";
    public const string ChannelDeleted = "its channel was deleted";

    /// <summary>Whether the incident's channel takes no more messages (archived or deleted): its digest goes to the person who started it.</summary>
    public static bool ChannelGone(string? reason) => reason is ChannelArchived or ChannelDeleted;
}

/// <summary>
/// An incident JitBot knows: in one channel, started by someone at a moment, for at most a length (capped by
/// the policy), with an optional label people gave it ("INC-123"). At most one incident of a channel is not
/// Ended at any time; the store enforces it.
/// </summary>
public sealed record Incident(
    IncidentId Id,
    string? Label,
    string ChannelId,
    string? ChannelName,
    string StartedBy,
    DateTimeOffset StartedAt,
    DateTimeOffset EndsAt,
    IncidentState State,
    DateTimeOffset? EndedAt = null,
    string? EndedBy = null,
    string? EndReason = null)
{
    /// <summary>The moment nothing tied to it may last beyond: when it ended, or its maximum length.</summary>
    public DateTimeOffset Deadline => EndedAt is { } ended && ended < EndsAt ? ended : EndsAt;

    /// <summary>How people call it: its label, or its id.</summary>
    public string Name => Label ?? Id.Value;
}

/// <summary>
/// Incident labels: short plain words people give an incident ("INC-123", "payments-outage"). Letters, digits,
/// and <c>- _ . : #</c>, starting with a letter or digit, at most <see cref="MaxLength"/> characters: nothing that
/// could be markup in Slack or a log line.
/// </summary>
public static partial class IncidentLabel
{
    public const int MaxLength = 40;

    public static bool IsValid(string text) => Label().IsMatch(text);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.:#-]{0,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex Label();
}
