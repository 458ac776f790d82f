using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// Sends a group of one person's grant notices as one direct message (<see cref="GroupedGrantMessage"/>). A grant
/// whose message was already sent (a message ref of its request, the same kind <see cref="SlackNotifier"/> uses) is
/// left out, and after Slack accepted the message a ref is saved for every grant in it, so a repeat (a retry after
/// a crash, or a group formed again) sends nothing twice; the window left is the one every notice has, between
/// Slack's answer and saving the refs. Slack's limits defer the whole message (<see cref="SlackDeferral"/>).
/// </summary>
public sealed class SlackGroupedGrantNotifier(ISlackApiClient slack, IMessageRefStore refs, TimeProvider time, ILogger<SlackGroupedGrantNotifier> logger)
    : IGroupedGrantNotifier
{
    public Task GrantsStartedAsync(IReadOnlyList<GrantNotice> notices, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            var now = time.GetUtcNow();
            // Ended, or due to end, before this went out: "you have access" would be false. Its end's notice says when it was granted.
            var live = notices.Where(n => n.Grant.State == GrantState.Active && n.Grant.ExpiresAt > now).ToList();
            if (live.Count < notices.Count)
                logger.LogInformation("{Count} grants ended before their start was told; no 'you have access' line for them", notices.Count - live.Count);
            var untold = await UntoldAsync(live, SlackNotifier.GrantedDm, cancellationToken);
            if (untold.Count == 0) return;
            var (text, blocks) = GroupedGrantMessage.Started(untold, now);
            await PostAsync(untold, SlackNotifier.GrantedDm, text, blocks, cancellationToken);
        });

    public Task GrantsEndedAsync(IReadOnlyList<GrantNotice> notices, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            var untold = await UntoldAsync(notices, SlackNotifier.EndedDm, cancellationToken);
            if (untold.Count == 0) return;
            var startedTold = new HashSet<RequestId>();
            foreach (var n in untold)
                if (await refs.FindAsync(n.Request.Id, SlackNotifier.GrantedDm, cancellationToken) is not null)
                    startedTold.Add(n.Request.Id);
            var (text, blocks) = GroupedGrantMessage.Ended(untold, n => startedTold.Contains(n.Request.Id), time.GetUtcNow());
            await PostAsync(untold, SlackNotifier.EndedDm, text, blocks, cancellationToken);
        });

    async Task<List<GrantNotice>> UntoldAsync(IEnumerable<GrantNotice> notices, string kind, CancellationToken cancellationToken)
    {
        var untold = new List<GrantNotice>();
        foreach (var n in notices)
            if (await refs.FindAsync(n.Request.Id, kind, cancellationToken) is null)
                untold.Add(n);
        return untold;
    }

    async Task PostAsync(IReadOnlyList<GrantNotice> notices, string kind, string text, IReadOnlyList<Block> blocks, CancellationToken cancellationToken)
    {
        var to = notices[0].Request.RequesterId;
        if (notices.Any(n => n.Request.RequesterId != to))
            throw new InvalidOperationException("Grouped grant notices must all be for one person.");
        var posted = await slack.Chat.PostMessageAsync(new ChatMessage(to, text, blocks), cancellationToken);
        await refs.SaveAllAsync(notices.Select(n => new MessageRef(n.Request.Id, kind, posted.Channel, posted.Ts)).ToList(), CancellationToken.None);
        logger.LogInformation("Told {User} about {Count} grants in one message ({Kind})", to, notices.Count, kind);
    }
}
