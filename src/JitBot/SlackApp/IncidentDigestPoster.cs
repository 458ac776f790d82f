using JitBot.Incidents;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;
using JitBot.Storage;

namespace JitBot.SlackApp;

/// <summary>
/// Posts the digest of an incident that ended, in its channel: who held what, from when to when, approved how,
/// ended when, and what was asked for and not granted — ready for the postmortem. An archived channel takes no
/// messages, so the digest of an incident that ended because its channel was archived goes to the person who
/// started it. A grant made channel-wide (<c>/access incident grant</c>) says so and names who granted it, as the
/// request's <c>request.submitted</c> audit event records (its <c>onBehalfOf</c>). Long digests are split over several messages; each part is remembered as a message ref, so a
/// repeated delivery posts nothing twice.
/// </summary>
public sealed class IncidentDigestPoster(IAccessStore store, ISlackApiClient slack, IMessageRefStore refs, TimeProvider time, ILogger<IncidentDigestPoster> logger)
    : IIncidentDigests
{
    public Task SendAsync(IncidentId id, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            var incident = await store.FindIncidentAsync(id, cancellationToken);
            if (incident is null)
            {
                logger.LogError("The digest of incident {IncidentId} was asked for, but there is no such incident; nothing posted", id);
                return;
            }
            var requests = await store.IncidentRequestsAsync(id, cancellationToken);
            var grants = (await store.IncidentGrantsAsync(id, cancellationToken)).ToDictionary(g => g.Grant.RequestId, g => g.Grant);
            var channelWide = await ChannelWideAsync(requests.Where(r => grants.ContainsKey(r.Id)), cancellationToken);
            var destination = IncidentEndReasons.ChannelGone(incident.EndReason) ? incident.StartedBy : incident.ChannelId;
            var subject = IncidentEnder.DigestSubject(id);
            var messages = MessageSections.Messages(Lines(incident, requests, grants, time.GetUtcNow(), channelWide));
            for (var i = 0; i < messages.Count; i++)
            {
                var kind = $"incident.digest.{i}";
                if (await refs.FindAsync(subject, kind, cancellationToken) is not null) continue;
                var blocks = messages[i].Select(Blocks.Section).ToList<Block>();
                var posted = await slack.Chat.PostMessageAsync(
                    new ChatMessage(destination, Mrkdwn.Truncate(messages[i][0], BlockLimits.FallbackText), blocks), cancellationToken);
                await refs.SaveAsync(new MessageRef(subject, kind, posted.Channel, posted.Ts), cancellationToken);
            }
            logger.LogInformation("Posted the digest of incident {IncidentId} ({Requests} requests)", id, requests.Count);
        });

    /// <summary>Who granted each of these requests channel-wide (the caller of <c>/access incident grant</c>), from the audit log.</summary>
    async Task<Dictionary<RequestId, string>> ChannelWideAsync(IEnumerable<AccessRequest> granted, CancellationToken cancellationToken)
    {
        var byWhom = new Dictionary<RequestId, string>();
        foreach (var request in granted)
        {
            var submitted = (await store.AuditForRequestAsync(request.Id.Value, cancellationToken))
                .FirstOrDefault(r => r.Event.Kind == Audit.AuditKinds.RequestSubmitted);
            if (submitted?.Event.Data?.GetValueOrDefault("onBehalfOf") is { Length: > 0 } caller) byWhom[request.Id] = caller;
        }
        return byWhom;
    }

    /// <summary>
    /// The digest's lines: a heading, then one line per request made under the incident; <paramref name="channelWide"/>
    /// names who granted a request channel-wide.
    /// </summary>
    public static List<string> Lines(Incident incident, IReadOnlyList<AccessRequest> requests, IReadOnlyDictionary<RequestId, Grant> grants,
        DateTimeOffset now, IReadOnlyDictionary<RequestId, string>? channelWide = null)
    {
        var name = incident.Label is null ? "" : Mrkdwn.Escape(incident.Label) + " ";
        var by = SlackText.Person(incident.EndedBy) is { } person ? $" by {person}" : "";
        var granted = requests.Count(r => grants.ContainsKey(r.Id));
        var lines = new List<string>
        {
            $":memo: *Incident {name}ended* ({Mrkdwn.Code(incident.Id.Value)}) in {Mrkdwn.Channel(incident.ChannelId)}: started {SlackTime.When(incident.StartedAt, now)} by {Mrkdwn.User(incident.StartedBy)}, " +
            $"ended {SlackTime.When(incident.EndedAt ?? incident.EndsAt, now)}{by} ({Mrkdwn.Escape(incident.EndReason ?? "ended")}). " +
            $"{granted} grant(s), {requests.Count - granted} request(s) not granted. Every grant tied to it has ended.",
        };
        if (requests.Count == 0) lines.Add("Nobody asked for access under this incident.");
        foreach (var request in requests)
            lines.Add(Line(request, grants.GetValueOrDefault(request.Id), channelWide?.GetValueOrDefault(request.Id), now));
        return lines;
    }

    static string Line(AccessRequest request, Grant? grant, string? grantedChannelWideBy, DateTimeOffset now)
    {
        var who = Mrkdwn.User(request.RequesterId);
        var resource = SlackText.Resource(request.ResourceId);
        var reason = string.IsNullOrEmpty(request.Reason) ? "" : $" — “{Mrkdwn.Escape(Shorten(request.Reason))}”";
        var id = "request " + SlackText.Id(request.Id);
        if (grant is not null)
        {
            var ended = grant.State switch
            {
                GrantState.Active => $"still active until {SlackTime.When(grant.ExpiresAt, now)}",
                GrantState.Failed => "granting failed, nothing was left behind",
                _ => $"ended {SlackTime.When(grant.EndedAt ?? grant.ExpiresAt, now)}",
            };
            var channelWide = grantedChannelWideBy is null ? "" : $"granted channel-wide by {SlackText.Person(grantedChannelWideBy) ?? "someone in the channel"}, ";
            return $"• {who} {resource}: granted {SlackTime.When(grant.GrantedAt, now)}, {channelWide}{IncidentAnnouncements.How(request)}, {ended}{reason} ({id}, grant {SlackText.Id(grant.Id)})";
        }
        var outcome = request.State switch
        {
            RequestState.Denied => "denied by the policy",
            RequestState.Rejected when request.DecidedBy == RequestService.SystemActor => "still waiting for approval when the incident ended; closed",
            RequestState.Rejected => $"denied by {SlackText.Person(request.DecidedBy) ?? "an approver"}",
            RequestState.TimedOut => "timed out waiting for approval",
            RequestState.Failed => "approved, but granting failed",
            _ => request.State.ToString().ToLowerInvariant(),
        };
        return $"• {who} {resource}: asked {SlackTime.When(request.CreatedAt, now)}, {outcome}{reason} ({id})";
    }

    static string Shorten(string text) => text.Length > 200 ? text[..200] + "…" : text;
}
