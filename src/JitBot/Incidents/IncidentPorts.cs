namespace JitBot.Incidents;

/// <summary>
/// Who is in a channel. Implemented by the Slack app (conversations.members, users.info); the domain never
/// talks to Slack itself. Methods throw <see cref="ChannelMembersUnavailableException"/>, with a sentence for
/// people, when Slack cannot answer (the bot is not in the channel, rate limited past its retries, outage).
/// </summary>
public interface IChannelMembers
{
    /// <summary>Every member id of the channel, one page at a time as Slack returns them (cursor pagination).</summary>
    IAsyncEnumerable<IReadOnlyList<string>> MemberPagesAsync(string channelId, CancellationToken cancellationToken);

    /// <summary>Whether the user is a person with an active account: not a bot or app user, not deactivated (may be cached briefly).</summary>
    Task<bool> IsActivePersonAsync(string userId, CancellationToken cancellationToken);
}

/// <summary>Slack could not say who is in a channel; the message is a sentence for people.</summary>
public sealed class ChannelMembersUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// What the Slack app tells the incident lifecycle about channels. Implemented by the incident lifecycle;
/// called once per event (deliveries deduplicated on event_id before this is called), and must be idempotent.
/// </summary>
public interface IIncidentChannelEvents
{
    /// <summary>The channel was archived (channel_archive or group_archive): its open incident, if any, ends.</summary>
    Task ChannelArchivedAsync(string channelId, string? archivedBy, DateTimeOffset at, CancellationToken cancellationToken);
}
