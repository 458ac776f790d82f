using JitBot.Common;
using JitBot.Grants;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;
using JitBot.Storage;

namespace JitBot.SlackApp;

/// <summary>
/// The Extend and Revoke-now buttons (<see cref="GrantButtons"/>), wherever they are clicked. The button carries only
/// the grant id, and everything is read from the store at the click, so a button clicked after a restart works like a
/// new one. Clicks must come from this JitBot's workspace and app. The holder's click acts at once; someone else's
/// Revoke now opens a small modal for the reason (<see cref="RevokeReasonModal"/>), whose submission checks that they
/// approve the resource. A click counts once: Slack's redelivery and a double click within
/// <see cref="DoubleClickWindow"/> do nothing more. The answer goes to the clicker as a direct message.
/// </summary>
public sealed class GrantClickHandler(string actionId, SlackBackgroundWork work) : IBlockActionHandler
{
    /// <summary>How long a click on one grant's button by one person is remembered, so a double click does one thing.</summary>
    public static readonly TimeSpan DoubleClickWindow = TimeSpan.FromSeconds(30);

    public string ActionId => actionId;

    public Task<SlackAck> HandleAsync(InteractionPayload payload, BlockAction action, CancellationToken cancellationToken)
    {
        var clicker = payload.User?.Id;
        if (string.IsNullOrEmpty(clicker) || action.Value is not { } value || !value.StartsWith(GrantId.Prefix, StringComparison.Ordinal) || value.Length > 40)
            return Task.FromResult(SlackAck.Empty);
        var id = new GrantId(value);
        var revoke = actionId == GrantButtons.RevokeActionId;
        work.Enqueue($"{(revoke ? "Revoke" : "Extend")} click on {LogText.Safe(value)}", async (services, ct) =>
        {
            var logger = services.GetRequiredService<ILogger<GrantClickHandler>>();
            var workspace = services.GetRequiredService<SlackWorkspace>();
            if (await workspace.IdentityAsync(ct) is not { } us || us.WhyNotOurs(payload.Team?.Id, payload.ApiAppId) is { } elsewhere)
            {
                logger.LogWarning("Ignored a {Action} click on {GrantId} by {UserId}: not from this JitBot's workspace and app", actionId, LogText.Safe(value), LogText.Safe(clicker));
                return;
            }
            var store = services.GetRequiredService<IAccessStore>();
            var time = services.GetRequiredService<TimeProvider>();
            if (!await store.FirstSeenAsync($"grant-click:{clicker}|{actionId}|{value}", time.GetUtcNow(), DoubleClickWindow, ct))
                return;
            var slack = services.GetRequiredService<ISlackApiClient>();
            var record = await store.FindGrantAsync(id, ct);
            if (revoke && record is not null && record.Grant.UserId != clicker && record.Grant.State == GrantState.Active && payload.TriggerId is { } trigger)
            {
                // Someone else's grant: ask why first (the trigger lasts 3 seconds, so before anything slow).
                try
                {
                    await slack.ViewsOpenAsync(trigger, RevokeReasonModal.Build(record), ct);
                    return;
                }
                catch (SlackApiException e) when (e.IsUnusableTrigger)
                {
                    await TellAsync(slack, clicker, $":hourglass: Slack did not let JitBot ask for your reason in time. Type `/access revoke {id.Short} because …` instead.", ct);
                    return;
                }
            }
            var actions = services.GetRequiredService<IGrantActions>();
            string reply;
            try
            {
                var outcome = revoke
                    ? await actions.RevokeAsync(id, clicker, null, ct)
                    : await actions.ExtendAsync(id, clicker, null, null, ct);
                logger.LogInformation("{Action} click on {GrantId} by {UserId}: {Verdict}", actionId, LogText.Safe(value), LogText.Safe(clicker), outcome.Verdict);
                reply = GrantReplies.For(outcome, time.GetUtcNow());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "{Action} click on {GrantId} by {UserId} failed", actionId, LogText.Safe(value), LogText.Safe(clicker));
                reply = ":warning: JitBot could not do that just now. Nothing changed; try again in a minute.";
            }
            await TellAsync(slack, clicker, reply, ct);
            if (record is not null) await RetireWarningAsync(services, slack, payload, record, reply, ct);
        });
        return Task.FromResult(SlackAck.Empty);
    }

    /// <summary>
    /// When the click came from the expiry warning JitBot posted for this grant, that message is rewritten with what the
    /// click did and without its buttons, so it does not invite a second click on an end that moved or a grant that ended.
    /// </summary>
    static async Task RetireWarningAsync(IServiceProvider services, ISlackApiClient slack, InteractionPayload payload, GrantRecord before, string reply,
        CancellationToken cancellationToken)
    {
        if (before.WarnedFor is not { } end || payload.Container is not { Type: "message", ChannelId: { } channel, MessageTs: { } ts }) return;
        var warning = await services.GetRequiredService<IMessageRefStore>().FindAsync(before.Grant.RequestId, SlackGrantNotifier.WarningKind(end), cancellationToken);
        if (warning is null || warning.Channel != channel || warning.Ts != ts) return;
        try
        {
            await slack.Chat.UpdateAsync(new ChatUpdate(channel, ts, Mrkdwn.Truncate(reply, BlockLimits.FallbackText), [Blocks.Section(reply)]), cancellationToken);
        }
        catch (SlackApiException e)
        {
            services.GetRequiredService<ILogger<GrantClickHandler>>().LogWarning("Could not rewrite the expiry warning of grant {GrantId}: {Error}", before.Grant.Id, e.Message);
        }
    }

    /// <summary>A direct message to <paramref name="userId"/>: the buttons are in a DM or App Home, where an ephemeral reply has nowhere to go.</summary>
    internal static Task TellAsync(ISlackApiClient slack, string userId, string mrkdwn, CancellationToken cancellationToken) =>
        slack.Chat.PostMessageAsync(new ChatMessage(userId, Mrkdwn.Truncate(mrkdwn, BlockLimits.FallbackText), [Blocks.Section(mrkdwn)]), cancellationToken);
}
