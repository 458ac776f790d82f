using System.Globalization;
using JitBot.Audit;

namespace JitBot.Policies.Replay;

/// <summary>
/// One request as its <c>request.submitted</c> event recorded it. <see cref="RequesterId"/> is the actor, except for
/// a channel-wide grant (<see cref="OnBehalfOf"/> set): the actor is then the one who granted it, and the member is
/// not in the event (replay reads it from the stored request). <see cref="Groups"/> is null when the event has no
/// <c>groups</c> key (an older format); empty when the requester was in none of the groups the policy named then.
/// </summary>
public sealed record RecordedRequest(
    string RequestId,
    DateTimeOffset At,
    string? RequesterId,
    string? OnBehalfOf,
    string ResourceId,
    TimeSpan? RequestedDuration,
    string? Reason,
    string? ChannelId,
    string? ChannelName,
    string? IncidentId,
    IReadOnlyCollection<string>? Groups)
{
    /// <summary>
    /// Reads a <c>request.submitted</c> event; null with <paramref name="skipped"/> (one of <see cref="ReplaySkips"/>)
    /// when it cannot be decided again. A missing <c>requestedDuration</c> is the default duration, as the bot writes it.
    /// </summary>
    public static RecordedRequest? Read(AuditEvent e, out string? skipped)
    {
        skipped = null;
        var data = e.Data ?? new Dictionary<string, string?>();
        if (e.RequestId is not { Length: > 0 } id)
        {
            skipped = ReplaySkips.NoRequestId;
            return null;
        }
        if (Text(data, "resource") is not { } resource)
        {
            skipped = ReplaySkips.NoResource;
            return null;
        }
        TimeSpan? duration = null;
        if (Text(data, "requestedDuration") is { } d)
        {
            if (!TimeSpan.TryParseExact(d, "c", CultureInfo.InvariantCulture, out var parsed) || parsed <= TimeSpan.Zero)
            {
                skipped = ReplaySkips.BadDuration;
                return null;
            }
            duration = parsed;
        }
        var onBehalfOf = Text(data, "onBehalfOf");
        IReadOnlyCollection<string>? groups = data.TryGetValue("groups", out var g)
            ? (g ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
        return new RecordedRequest(id, e.At, onBehalfOf is null && e.Actor is { Length: > 0 } actor ? actor : null, onBehalfOf, resource,
            duration, Text(data, "reason"), Text(data, "channelId"), Text(data, "channelName"), Text(data, "incidentId"), groups);
    }

    static string? Text(IReadOnlyDictionary<string, string?> data, string key) =>
        data.GetValueOrDefault(key) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;
}

/// <summary>Why a recorded request was not decided again (counted and shown under the replay).</summary>
public static class ReplaySkips
{
    public const string NoRequestId = "no request id in its request.submitted event";
    public const string NoResource = "no resource in its request.submitted event";
    public const string BadDuration = "a requested duration that cannot be read";
    public const string NoMember = "a channel-wide grant whose member is no longer in the store";
    public const string NoDecision = "no recorded decision (no request.decided event, no stored request)";
    public const string BadDecision = "a recorded decision whose outcome cannot be read";
}

/// <summary>What a replay had to assume about a recorded request (counted and shown under the replay).</summary>
public static class ReplayAssumptions
{
    public const string NoGroups = "recorded without the requester's Slack groups (an older format): decided as in no group";
    public const string DecisionFromStore = "no request.decided event: the decision stored with the request compared instead";
    public const string IncidentGone = "tied to an incident the store no longer has: decided as an incident request, not cut at the incident's end";
}
