namespace JitBot.Incidents;

/// <summary>What Slack says about an incident's channel right now.</summary>
public enum ChannelStatus
{
    /// <summary>The channel exists and is not archived.</summary>
    Active,
    /// <summary>The channel is archived.</summary>
    Archived,
    /// <summary>Slack does not know the channel (deleted, or a private channel JitBot is not in).</summary>
    NotFound,
    /// <summary>Slack did not answer (rate limited past the retries, an outage): nothing can be concluded.</summary>
    Unknown,
}

/// <summary>
/// Asks Slack whether a channel is archived: the safety net for an archive event JitBot missed (it was down past
/// Slack's retries, or handling the event failed after it was marked seen). Implemented by the Slack app
/// (conversations.info); the domain never talks to Slack itself. Never throws for a Slack error: that is
/// <see cref="ChannelStatus.Unknown"/>, with the error in <see cref="ChannelStatusAnswer.Error"/>.
/// </summary>
public interface IIncidentChannelStatus
{
    Task<ChannelStatusAnswer> StatusAsync(string channelId, CancellationToken cancellationToken);
}

/// <summary>The status, and for <see cref="ChannelStatus.Unknown"/> or <see cref="ChannelStatus.NotFound"/> Slack's error code.</summary>
public sealed record ChannelStatusAnswer(ChannelStatus Status, string? Error = null);
