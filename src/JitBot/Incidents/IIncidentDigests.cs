namespace JitBot.Incidents;

/// <summary>
/// Posts the digest of an incident that ended: who held what, from when to when, approved how, ended when.
/// Implemented by the Slack app; called from the outbox (at least once), so it must post each digest once.
/// </summary>
public interface IIncidentDigests
{
    Task SendAsync(IncidentId id, CancellationToken cancellationToken);
}
