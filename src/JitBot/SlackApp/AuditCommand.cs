using System.Globalization;
using JitBot.Audit;
using JitBot.Commands;
using JitBot.Common;
using JitBot.Requests;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;
using JitBot.Storage;
using Microsoft.Extensions.Options;

namespace JitBot.SlackApp;

/// <summary>
/// <c>/access audit &lt;resource | @user&gt;</c>: for the admins of <c>Audit:Admins</c> (user ids, or user groups whose
/// membership is asked of Slack at that moment, as for an approver's click), the last <see cref="Shown"/> audit
/// events of the resource or person, newest first, as an ephemeral reply. Everyone else is told it is for admins.
/// </summary>
public sealed class AuditCommand(IAccessStore store, IGroupDirectory groups, IConfiguration configuration, ILogger<AuditCommand> logger)
{
    public const int Shown = 20;

    public async Task<CommandReply> HandleAsync(SlashCommand command, AccessCommand.Audit audit, CancellationToken cancellationToken)
    {
        try
        {
            if (!await IsAdminAsync(command.UserId, cancellationToken))
                return new(":no_entry: `/access audit` is for JitBot's admins (the setting Audit:Admins); ask one of them if you need to see the audit log.");
            var events = await new AuditSearch(store).RecentAsync(audit.ResourceId, audit.UserId, Shown, cancellationToken);
            logger.LogInformation("/access audit by {UserId}: {Count} events of {Subject}", LogText.Safe(command.UserId), events.Count,
                LogText.Safe(audit.ResourceId ?? audit.UserId ?? ""));
            return Reply(audit, events);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "/access audit by {UserId} could not be answered", LogText.Safe(command.UserId));
            return new(":warning: JitBot could not read the audit log just now. Try again in a minute.");
        }
    }

    async Task<bool> IsAdminAsync(string userId, CancellationToken cancellationToken)
    {
        var admins = AuditOptions.AdminIds(configuration);
        if (admins.Contains(userId, StringComparer.Ordinal)) return true;
        foreach (var group in admins.Where(a => a.StartsWith('S')))
            if (await groups.IsMemberNowAsync(userId, group, cancellationToken)) return true;
        return false;
    }

    public static CommandReply Reply(AccessCommand.Audit audit, IReadOnlyList<AuditRecord> events)
    {
        var subject = audit.ResourceId is { } r ? SlackText.Resource(r) : Mrkdwn.User(audit.UserId!);
        if (events.Count == 0)
            return new($":mag: No audit events for {subject}.");
        var title = $":mag: The last {events.Count} audit events for {subject}, newest first:";
        var blocks = new List<Block> { Blocks.Section(title) };
        blocks.AddRange(events.Select(e => (Block)Blocks.Section(Line(e))));
        blocks.Add(Blocks.Context("Older events and the full record: `jitbot audit export` (docs/audit.md)."));
        return new(Mrkdwn.Truncate(title + "\n" + string.Join('\n', events.Select(Line)), BlockLimits.FallbackText), blocks);
    }

    static string Line(AuditRecord r)
    {
        var e = r.Event;
        var parts = new List<string> { $"*{Mrkdwn.Escape(e.Kind)}* {Mrkdwn.Date(e.At)} by {Mrkdwn.User(e.Actor)}" };
        if (e.Data is not null)
        {
            foreach (var key in (string[])["resource", "user", "reason", "decision", "outcome", "duration"])
                if (e.Data.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v))
                    parts.Add($"{key}: {(key == "user" ? Mrkdwn.User(v) : Mrkdwn.Escape(Short(v)))}");
        }
        if (e.RequestId is not null) parts.Add($"request `{Mrkdwn.Escape(e.RequestId)}`");
        parts.Add($"seq {r.Seq.ToString(CultureInfo.InvariantCulture)}");
        return Mrkdwn.Truncate(string.Join(" · ", parts), 2900);
    }

    static string Short(string text) => text.Length > 200 ? text[..200] + "…" : text;
}
