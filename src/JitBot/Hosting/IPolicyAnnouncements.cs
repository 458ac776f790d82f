namespace JitBot.Hosting;

/// <summary>
/// Posts a policy reload announcement (<see cref="Storage.NotificationKind.PolicyAnnouncement"/>) to the admin
/// channel. Implemented by the Slack app; called from the outbox (at least once), so it must post each once.
/// </summary>
public interface IPolicyAnnouncements
{
    /// <param name="subject">The announcement's outbox subject, remembered once posted.</param>
    /// <param name="payload">The channel and the text, as <see cref="PolicyAnnouncement"/> JSON.</param>
    Task SendAsync(string subject, string payload, CancellationToken cancellationToken);
}

/// <summary>What an announcement's outbox row holds.</summary>
public sealed record PolicyAnnouncement(string Channel, string Text);
