using JitBot.Commands;
using JitBot.Common;
using JitBot.Grants;
using JitBot.Requests;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// <c>/access revoke &lt;grant&gt; [because …]</c> and <c>/access extend &lt;grant&gt; [by 1h] [because …]</c>. The grant is
/// named by any id people see (<see cref="ShortIds"/>), among the grants the person may act on: their own, and for
/// revoke also those of resources they approve. A revocation whose provider is slow is answered "being revoked" within
/// the acknowledgement's budget; it finishes anyway and the holder is told.
/// </summary>
public sealed class GrantCommands(IGrantActions actions, ShortIds ids, TimeProvider time, ILogger<GrantCommands> logger)
{
    public async Task<CommandReply> RevokeAsync(SlashCommand command, AccessCommand.Revoke revoke, CancellationToken cancellationToken)
    {
        var user = command.UserId;
        ShortIdMatch<Storage.GrantRecord> match;
        try
        {
            match = await ids.GrantAsync(revoke.GrantRef, async (g, ct) => await actions.RoleAsync(g, user, ct) != GrantRole.None, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whether someone approves a resource is asked of Slack; without an answer nobody is let through (fail closed).
            logger.LogWarning(e, "/access revoke by {UserId}: could not check who may revoke", LogText.Safe(user));
            return new CommandReply(Trouble);
        }
        if (match.Found is not { } record) return new CommandReply($":grey_question: {Slack.BlockKit.Mrkdwn.Escape(match.Problem)}");
        return await WithinBudgetAsync(actions.RevokeAsync(record.Grant.Id, user, revoke.Reason, CancellationToken.None), "revoke", record.Grant.Id, user,
            $"Grant {record.Grant.Id.Short} is being revoked; you will get a message when it is done.");
    }

    public async Task<CommandReply> ExtendAsync(SlashCommand command, AccessCommand.Extend extend, CancellationToken cancellationToken)
    {
        var user = command.UserId;
        var match = await ids.GrantAsync(extend.GrantRef, (g, _) => ValueTask.FromResult(g.Grant.UserId == user), cancellationToken);
        if (match.Found is not { } record) return new CommandReply($":grey_question: {Slack.BlockKit.Mrkdwn.Escape(match.Problem)}");
        return await WithinBudgetAsync(actions.ExtendAsync(record.Grant.Id, user, extend.By, extend.Reason, CancellationToken.None), "extend", record.Grant.Id, user,
            $"The extension of grant {record.Grant.Id.Short} is under way; you will get a message when it is done.");
    }

    const string Trouble = ":warning: JitBot could not do that just now (it may not have been able to check your group membership with Slack). Nothing changed; try again in a minute.";

    async Task<CommandReply> WithinBudgetAsync(Task<GrantActionOutcome> work, string what, GrantId id, string user, string slow)
    {
        using var budget = new CancellationTokenSource();
        var first = await Task.WhenAny(work, Task.Delay(AccessCommandHandler.AckBudget, time, budget.Token));
        await budget.CancelAsync();
        if (first != work)
        {
            _ = work.ContinueWith(t => logger.LogError(t.Exception, "/access {What} {GrantId} by {UserId} failed", what, id, LogText.Safe(user)),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return new CommandReply($":hourglass: {slow}");
        }
        try
        {
            var outcome = await work;
            logger.LogInformation("/access {What} {GrantId} by {UserId}: {Verdict}", what, id, LogText.Safe(user), outcome.Verdict);
            return new CommandReply(GrantReplies.For(outcome, time.GetUtcNow()));
        }
        catch (Exception e)
        {
            logger.LogError(e, "/access {What} {GrantId} by {UserId} failed", what, id, LogText.Safe(user));
            return new CommandReply(Trouble);
        }
    }
}
