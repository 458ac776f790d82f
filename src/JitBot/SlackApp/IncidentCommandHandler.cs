using JitBot.Commands;
using JitBot.Common;
using JitBot.Incidents;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;
using JitBot.Storage;

namespace JitBot.SlackApp;

/// <summary>The <c>/access incident …</c> commands, as <see cref="AccessCommandHandler"/> hands them on.</summary>
public interface IIncidentCommands
{
    Task<CommandReply> HandleAsync(SlashCommand command, AccessCommand incidentCommand, CancellationToken cancellationToken);
}

/// <summary>
/// <c>/access incident …</c>: start, show, end, and grant channel-wide. Incidents live in channels: typed in a
/// direct message, each answers with a sentence saying so. Starting and ending are answered in the channel, so
/// everyone there sees them; showing is for the person who asked. A channel-wide grant is acknowledged at once
/// and carried out in the background, with one message in the channel updated after every page of members and
/// finally listing who got it and who did not, and why.
/// </summary>
public sealed class IncidentCommandHandler(
    IncidentService incidents,
    IncidentEnder ender,
    IIncidentStore store,
    IPolicySource policies,
    SlackBackgroundWork work,
    TimeProvider time,
    ILogger<IncidentCommandHandler> logger) : IIncidentCommands
{
    /// <summary>How long a channel-wide grant may run (5,000 members, a page at a time, within Slack's rate limits).</summary>
    public static readonly TimeSpan ChannelGrantLimit = TimeSpan.FromHours(1);

    const int ShownLines = 30;

    public async Task<CommandReply> HandleAsync(SlashCommand command, AccessCommand incidentCommand, CancellationToken cancellationToken)
    {
        if (!InChannel(command))
            return AccessReplies.Invalid("Incidents live in channels: type this in the incident's channel (invite JitBot there first if it is private).");
        var channelId = command.ChannelId!;
        switch (incidentCommand)
        {
            case AccessCommand.IncidentStart start:
            {
                var started = await incidents.StartAsync(channelId, command.ChannelName, command.UserId, start.Label, start.Length, cancellationToken);
                var incident = started.Incident;
                if (!started.Started)
                    return new($":information_source: This channel already has an incident: {Name(incident)}, started by {Mrkdwn.User(incident.StartedBy)} {SlackTime.When(incident.StartedAt, time.GetUtcNow())}" +
                               $"{(incident.State == IncidentState.Ending ? ", and it is ending now" : $", until {SlackTime.When(incident.EndsAt, time.GetUtcNow())}")}. Nothing changed; `/access incident` shows it.");
                var max = policies.Current.IncidentLength.Max;
                var capped = start.Length is { } asked && asked > max
                    ? $" You asked for {SlackText.Duration(asked)}; the policy lets incidents last at most {SlackText.Duration(max)}."
                    : "";
                return new CommandReply(
                    $":rotating_light: {Mrkdwn.User(command.UserId)} started incident {Name(incident)} in this channel, until {SlackTime.When(incident.EndsAt, time.GetUtcNow())}.{capped} " +
                    "Access asked for here with `/access <resource>` is tied to it, shown here, and revoked when it ends (`/access incident end`).")
                { ResponseType = "in_channel" };
            }
            case AccessCommand.IncidentEnd:
            {
                var current = await store.CurrentIncidentAsync(channelId, cancellationToken);
                if (current is null)
                    return new(":information_source: There is no incident in this channel to end. `/access incident start INC-123` starts one.");
                // Anyone in the channel may end it: ending only takes access away, and the audit log says who did.
                // Not cancelled with the HTTP request: once begun, the end is carried out whatever Slack does.
                var ending = ender.EndAsync(channelId, command.UserId, IncidentEndReasons.Command, CancellationToken.None);
                using (var budget = new CancellationTokenSource())
                {
                    var outOfTime = Task.Delay(AccessCommandHandler.AckBudget, time, budget.Token);
                    if (await Task.WhenAny(ending, outOfTime) != ending)
                    {
                        _ = ending.ContinueWith(t => logger.LogError(t.Exception, "Ending incident {IncidentId} failed; the incident sweep resumes it", current.Id),
                            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                        return new CommandReply(
                            $":hourglass_flowing_sand: {Mrkdwn.User(command.UserId)} is ending incident {Name(current)}: its grants are being revoked now, and the digest follows here.")
                        { ResponseType = "in_channel" };
                    }
                    await budget.CancelAsync();
                }
                var end = await ending;
                return end.Verdict switch
                {
                    IncidentEndVerdict.Ended => new CommandReply(
                        $":white_check_mark: {Mrkdwn.User(command.UserId)} ended incident {Name(current)}. Every grant tied to it is revoked; the digest follows here.")
                    { ResponseType = "in_channel" },
                    IncidentEndVerdict.Ending => new CommandReply(
                        $":hourglass_flowing_sand: Incident {Name(current)} is ending: some of its grants could not be revoked yet and are being retried. The digest follows here once they are.")
                    { ResponseType = "in_channel" },
                    _ => new(":information_source: There is no incident in this channel to end."),
                };
            }
            case AccessCommand.IncidentShow:
                return await ShowAsync(channelId, cancellationToken);
            case AccessCommand.IncidentGrant grant:
                return await GrantAsync(command, grant, cancellationToken);
            default:
                return AccessReplies.Invalid($"I know these incident commands: `{AccessCommandParser.IncidentUsage}`.");
        }
    }

    static bool InChannel(SlashCommand command) =>
        command.ChannelId is { Length: > 0 } id && id[0] is 'C' or 'G' && command.ChannelName is not ("directmessage" or "mpdm");

    static string Name(Incident incident) =>
        incident.Label is null ? Mrkdwn.Code(incident.Id.Value) : $"*{Mrkdwn.Escape(incident.Label)}* ({Mrkdwn.Code(incident.Id.Value)})";

    async Task<CommandReply> ShowAsync(string channelId, CancellationToken cancellationToken)
    {
        var incident = await store.CurrentIncidentAsync(channelId, cancellationToken);
        if (incident is null)
            return new(":information_source: There is no incident in this channel. `/access incident start INC-123 for 8h` starts one.");
        var now = time.GetUtcNow();
        var requests = await store.IncidentRequestsAsync(incident.Id, cancellationToken);
        var grants = (await store.IncidentGrantsAsync(incident.Id, cancellationToken)).ToDictionary(g => g.Grant.RequestId, g => g.Grant);
        var live = requests
            .Where(r => r.State == RequestState.Pending || grants.GetValueOrDefault(r.Id) is { State: GrantState.Active })
            .Select(r => "• " + IncidentAnnouncements.Status(r, grants.GetValueOrDefault(r.Id), now))
            .ToList();
        var state = incident.State == IncidentState.Ending ? "It is ending now." : $"It ends {SlackTime.When(incident.EndsAt, now)} at the latest.";
        var text = $":rotating_light: Incident {Name(incident)}, started by {Mrkdwn.User(incident.StartedBy)} {SlackTime.When(incident.StartedAt, now)}. {state}\n";
        text += live.Count == 0
            ? "Nobody holds or waits for access under it right now."
            : "Access under it now:\n" + string.Join("\n", live.Take(ShownLines)) + (live.Count > ShownLines ? $"\n…and {live.Count - ShownLines} more." : "");
        return new(Mrkdwn.Truncate(text, BlockLimits.FallbackText));
    }

    async Task<CommandReply> GrantAsync(SlashCommand command, AccessCommand.IncidentGrant ask, CancellationToken cancellationToken)
    {
        var incident = await store.CurrentIncidentAsync(command.ChannelId!, cancellationToken);
        if (incident is not { State: IncidentState.Open })
            return new(":information_source: There is no open incident in this channel, so nothing can be granted to the channel. Start one with `/access incident start INC-123`, then try again.");
        var snapshot = policies.Current;
        var resourceId = snapshot.FindResource(ask.ResourceId) is null && snapshot.FindResource(ask.ResourceId.ToLowerInvariant()) is not null
            ? ask.ResourceId.ToLowerInvariant()
            : ask.ResourceId;
        if (snapshot.FindResource(resourceId) is null)
            return AccessReplies.UnknownResource(ask.ResourceId, snapshot.SuggestResources(ask.ResourceId));

        var userId = command.UserId;
        var channel = command.ChannelId!;
        work.Enqueue($"Channel-wide grant of {LogText.Safe(resourceId)} in {LogText.Safe(channel)}", async (services, ct) =>
        {
            var slack = services.GetRequiredService<ISlackApiClient>();
            // Built here rather than registered: it needs the channel members' port, which the Slack app provides.
            var grants = services.GetService<IChannelMembers>() is null ? null : ActivatorUtilities.CreateInstance<ChannelWideGrant>(services);
            if (grants is null)
            {
                await slack.Chat.PostEphemeralAsync(new EphemeralMessage(channel, userId,
                    ":warning: JitBot cannot read channel members in this installation, so nothing was granted channel-wide."), ct);
                return;
            }
            if (await grants.RefusalAsync(incident, userId, resourceId, ask.Duration, ask.Reason, ct) is { } refusal)
            {
                await slack.Chat.PostEphemeralAsync(new EphemeralMessage(channel, userId, $":no_entry_sign: {Mrkdwn.Escape(refusal)} Nothing was granted."), ct);
                return;
            }
            var progress = await slack.Chat.PostMessageAsync(new ChatMessage(channel,
                $"{Mrkdwn.User(userId)} is granting {SlackText.Resource(resourceId)} to every member of this channel the policy allows…"), ct);
            try
            {
                var results = await grants.RunAsync(incident, userId, resourceId, ask.Duration, ask.Reason, p =>
                    slack.Chat.UpdateAsync(new ChatUpdate(progress.Channel, progress.Ts,
                        $":hourglass_flowing_sand: {Mrkdwn.User(userId)} is granting {SlackText.Resource(resourceId)} to this channel: {p.Seen} members looked at, {p.Granted} granted so far."), ct), ct);
                var report = ChannelGrantReport.Messages(userId, resourceId, results, time.GetUtcNow());
                await slack.Chat.UpdateAsync(new ChatUpdate(progress.Channel, progress.Ts, Mrkdwn.Truncate(report[0][0], BlockLimits.FallbackText),
                    report[0].Select(Blocks.Section).ToList<Block>()), ct);
                foreach (var more in report.Skip(1))
                    await slack.Chat.PostMessageAsync(new ChatMessage(progress.Channel, Mrkdwn.Truncate(more[0], BlockLimits.FallbackText),
                        more.Select(Blocks.Section).ToList<Block>(), ThreadTs: progress.Ts), ct);
            }
            catch (ChannelMembersUnavailableException e)
            {
                await slack.Chat.UpdateAsync(new ChatUpdate(progress.Channel, progress.Ts,
                    $":warning: The channel-wide grant of {SlackText.Resource(resourceId)} stopped: {Mrkdwn.Escape(e.Message)} Members granted before that keep their grants."), ct);
            }
        }, ChannelGrantLimit);
        logger.LogInformation("/access incident grant {ResourceId} by {UserId} in {ChannelId} queued", LogText.Safe(resourceId), LogText.Safe(userId), LogText.Safe(channel));
        return new($":hourglass_flowing_sand: Granting {SlackText.Resource(resourceId)} to the members of this channel the policy allows, each their own grant tied to incident {Name(incident)}. Progress and the list of who got it follow in the channel.");
    }
}
