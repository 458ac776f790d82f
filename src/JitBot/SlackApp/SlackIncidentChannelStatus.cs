using JitBot.Incidents;
using JitBot.Slack.Api;

namespace JitBot.SlackApp;

/// <summary>
/// Whether an incident's channel is archived, from <c>conversations.info</c> (rate tier 3; a rate limit is waited
/// out by the API client within its retries). <c>channel_not_found</c> is <see cref="ChannelStatus.NotFound"/>;
/// every other failure is <see cref="ChannelStatus.Unknown"/>, never an answer (see <see cref="IncidentArchiveCheck"/>).
/// </summary>
public sealed class SlackIncidentChannelStatus(ISlackApiClient slack) : IIncidentChannelStatus
{
    public async Task<ChannelStatusAnswer> StatusAsync(string channelId, CancellationToken cancellationToken)
    {
        try
        {
            var info = await slack.Conversations.InfoAsync(channelId, cancellationToken).ConfigureAwait(false);
            return new ChannelStatusAnswer(info.IsArchived ? ChannelStatus.Archived : ChannelStatus.Active);
        }
        catch (SlackApiException e) when (e.Error == "channel_not_found")
        {
            return new ChannelStatusAnswer(ChannelStatus.NotFound, e.Error);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new ChannelStatusAnswer(ChannelStatus.Unknown, e is SlackApiException s ? s.Error : e.GetType().Name);
        }
    }
}
