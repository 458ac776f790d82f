using JitBot.Storage;

namespace JitBot.Requests;

/// <summary>
/// Which lane a notice travels in. Notices of one lane are delivered one after another, in the order they were
/// queued, by whichever replica holds the lane's oldest notice; notices of different lanes go out in parallel.
/// A lane is named after the first place a notice about the request is posted: the owning team's approval
/// channel (<c>#C…</c>) when the request has an approval plan, otherwise the requester's direct messages
/// (<c>@U…</c>). A request made under an incident travels in the incident channel's lane, where it is announced
/// and where the incident's digest follows everything tied to it. Every notice about one request therefore shares one lane, so a request's notices keep their
/// order too. A notice about a request the store does not know keeps a lane of its own request
/// (<c>request:…</c>).
/// </summary>
public static class NoticeLanes
{
    public static string For(RequestId id, AccessRequest? request) =>
        request is null ? "request:" + id.Value
        : request.IncidentId is not null && request.ChannelId is { Length: > 0 } incidentChannel ? Channel(incidentChannel)
        : request.Decision.Approval is { Channel.Length: > 0 } plan ? Channel(plan.Channel)
        : DirectMessages(request.RequesterId);

    /// <summary>The lane of a channel's messages.</summary>
    public static string Channel(string channelId) => "#" + channelId;

    /// <summary>The lane of the direct messages to one person.</summary>
    public static string DirectMessages(string userId) => "@" + userId;
}
