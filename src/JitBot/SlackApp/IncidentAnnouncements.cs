using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// Announces a request made under an incident in the incident channel, so everyone there sees who holds what
/// until when: one message per request, posted at its first notice and updated in place as it moves on
/// (waiting for approval → holds it until … → held it from … to …). Remembered as a message ref, so a repeated
/// notice posts nothing twice.
/// </summary>
public sealed class IncidentAnnouncements(ISlackApiClient slack, IMessageRefStore refs, TimeProvider time)
{
    public const string Kind = "incident.status";

    public async Task AnnounceAsync(AccessRequest request, Grant? grant, CancellationToken cancellationToken)
    {
        if (request.IncidentId is null || request.ChannelId is not { Length: > 0 } channel) return;
        var text = Status(request, grant, time.GetUtcNow());
        var blocks = new List<Block> { Blocks.Section(text) };
        var fallback = Mrkdwn.Truncate(text, BlockLimits.FallbackText);
        if (await refs.FindAsync(request.Id, Kind, cancellationToken) is { } posted)
        {
            await slack.Chat.UpdateAsync(new ChatUpdate(posted.Channel, posted.Ts, fallback, blocks), cancellationToken);
            return;
        }
        var message = await slack.Chat.PostMessageAsync(new ChatMessage(channel, fallback, blocks), cancellationToken);
        await refs.SaveAsync(new MessageRef(request.Id, Kind, message.Channel, message.Ts), cancellationToken);
    }

    /// <summary>One line about the request as it is now; every piece of user text escaped.</summary>
    public static string Status(AccessRequest request, Grant? grant, DateTimeOffset now)
    {
        var who = Mrkdwn.User(request.RequesterId);
        var resource = SlackText.Resource(request.ResourceId);
        var id = grant is null ? $" (request {SlackText.Id(request.Id)})" : $" (grant {SlackText.Id(grant.Id)})";
        if (grant is not null && grant.State == GrantState.Active && grant.ExpiresAt > now)
            return $":unlock: {who} holds {resource} until {SlackTime.When(grant.ExpiresAt, now)}, {How(request)}.{id}";
        if (grant is not null && grant.State is GrantState.Expired or GrantState.Revoked)
            return $":lock: {who} held {resource} from {SlackTime.When(grant.GrantedAt, now)} to {SlackTime.When(grant.EndedAt ?? grant.ExpiresAt, now)}, {How(request)}.{id}";
        return request.State switch
        {
            RequestState.Pending when request.Decision.Approval is { } plan =>
                $":hourglass_flowing_sand: {who} asked for {resource}; waiting for approval from {string.Join(" and ", plan.Requirements.Select(r => SlackText.Approvers(r.Approvers)))}.{id}",
            RequestState.Rejected when request.DecidedBy == RequestService.SystemActor =>
                $":no_entry_sign: {who}'s request for {resource} was closed when the incident ended; nothing was granted.{id}",
            RequestState.Rejected =>
                $":no_entry_sign: {who}'s request for {resource} was denied by {SlackText.Person(request.DecidedBy) ?? "an approver"}.{id}",
            RequestState.TimedOut => $":hourglass: {who}'s request for {resource} timed out; nothing was granted.{id}",
            RequestState.Failed => $":x: {resource} was approved for {who}, but granting it failed.{id}",
            RequestState.Denied => $":no_entry_sign: {who}'s request for {resource} was denied by the policy.{id}",
            _ => $"{who} asked for {resource}.{id}",
        };
    }

    /// <summary>"approved by policy" or "approved by @a, @b".</summary>
    public static string How(AccessRequest request) =>
        request.Votes.Any(v => v.Approve)
            ? "approved by " + string.Join(", ", request.Votes.Where(v => v.Approve).Select(v => Mrkdwn.User(v.ApproverId)))
            : "approved by policy";
}
