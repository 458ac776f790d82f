using JitBot.Commands;
using JitBot.Common;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// <c>/access explain</c>, <c>/access resources</c> and <c>/access</c> alone (the request form): what a person could
/// ask for and how, decided by the policy as a request would be, storing nothing. Answers are ephemeral, in the
/// acknowledgement.
/// </summary>
public sealed class CatalogCommands(
    IPolicySource policies,
    AccessPreviews previews,
    RequestFormOpener forms,
    AskableResources askable,
    TimeProvider time,
    ILogger<CatalogCommands> logger)
{
    /// <summary>How long an answer waits for the person's groups (they decide what is open to them) before saying to try again.</summary>
    public static readonly TimeSpan GroupLookupBudget = TimeSpan.FromSeconds(2);

    public async Task<CommandReply> ExplainAsync(SlashCommand command, AccessCommand.Explain explain, CancellationToken cancellationToken)
    {
        var snapshot = policies.Current;
        var resourceId = explain.ResourceId;
        if (snapshot.FindResource(resourceId) is null)
        {
            var lower = resourceId.ToLowerInvariant();
            if (lower == resourceId || snapshot.FindResource(lower) is null)
                return AccessReplies.UnknownResource(resourceId, snapshot.SuggestResources(resourceId));
            resourceId = lower;
        }
        if (await ScopeAsync(command, cancellationToken) is not { } scope) return GroupsUnknown();
        var preview = AccessPreviews.Of(scope, resourceId, explain.Duration);
        logger.LogInformation("/access explain {ResourceId} by {UserId}: {Outcome}", LogText.Safe(resourceId), LogText.Safe(command.UserId), preview.Outcome);
        return ExplainReply.From(preview, explain.Duration, scope.Policy.PrincipalTags(scope.Principal));
    }

    public async Task<CommandReply> ResourcesAsync(SlashCommand command, AccessCommand.Resources resources, CancellationToken cancellationToken)
    {
        var filters = new TagFilters(resources.Filters);
        if (await ScopeAsync(command, cancellationToken) is not { } scope) return GroupsUnknown();
        var catalog = AccessPreviews.Catalog(scope, filters, withBounds: true);
        if (catalog.Matching == 0) return NoMatch(filters, scope.Policy);
        return ResourcesReply.From(catalog, filters, NarrowExamples(catalog, filters));
    }

    /// <summary><c>/access</c> alone: the form opens (an empty acknowledgement), or the text grammar answers when it cannot.</summary>
    public async Task<SlackAck> OpenFormAsync(SlashCommand command, CancellationToken cancellationToken)
    {
        var opening = await forms.OpenAsync(new FormOrigin(command.UserId, command.ChannelId, command.ChannelName), command.TriggerId, cancellationToken);
        return opening switch
        {
            FormOpening.Opened => SlackAck.Empty,
            FormOpening.GroupsUnknown => SlackAck.Ephemeral(GroupsUnknown()),
            FormOpening.NothingToRequest => SlackAck.Ephemeral(new CommandReply(
                ":grey_question: No resource is open to you right now, so there is no form to fill. `/access resources` lists the catalog's " +
                "resources and `/access explain <resource>` says why one is not open to you; the team that owns it can change that."
                    .Replace("<resource>", "&lt;resource&gt;"))),
            _ => SlackAck.Ephemeral(await HelpAsync(command, cancellationToken)),
        };
    }

    /// <summary>The text grammar, for when the form cannot open: with examples of what this person can ask for.</summary>
    async Task<CommandReply> HelpAsync(SlashCommand command, CancellationToken cancellationToken)
    {
        var examples = await askable.ForAsync(command.UserId, command.ChannelId, command.ChannelName, 2, cancellationToken);
        var help = AccessReplies.Help(command.Command, examples);
        return help with { Text = "The request form could not open, so here is how to ask by typing.\n\n" + help.Text };
    }

    async Task<DecisionScope?> ScopeAsync(SlashCommand command, CancellationToken cancellationToken)
    {
        using var budget = new CancellationTokenSource(GroupLookupBudget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            return await previews.ScopeAsync(command.UserId, command.ChannelId, command.ChannelName, linked.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Fail closed: without the groups, what is open to the person is not known; guessing could mislead either way.
            logger.LogWarning(e, "Could not read the groups of {UserId} for a preview", LogText.Safe(command.UserId));
            return null;
        }
    }

    static CommandReply GroupsUnknown() =>
        new(":warning: JitBot could not read your Slack groups just now, and they decide what you can get. Try again in a minute.");

    /// <summary>Filters that match nothing: which one, and the tags or values that exist.</summary>
    static CommandReply NoMatch(TagFilters filters, IPolicySnapshot policy)
    {
        if (filters.IsEmpty) return new(":grey_question: The policy lists no resources yet; the teams that own systems add them.");
        var text = ":grey_question: No resource matches " + string.Join(" ", filters.Filters.Select(f => Mrkdwn.Code($"{f.Tag}:{f.Value}"))) + ".";
        if (filters.FirstUnmatched(policy) is { } miss)
            text += miss.UnknownTag
                ? $" No resource has the tag {Mrkdwn.Code(miss.Tag)}; the tags are {string.Join(", ", miss.Known.Select(Mrkdwn.Code))}."
                : $" No resource has {Mrkdwn.Code(miss.Tag)} {Mrkdwn.Code(miss.Value)}; its values are {string.Join(", ", miss.Known.Select(Mrkdwn.Code))}" +
                  " (`*` matches any characters, e.g. " + Mrkdwn.Code($"{miss.Tag}:{Prefix(miss.Value)}*") + ").";
        else
            text += " Each filter matches some resource, but none has them all; drop one.";
        return new(Mrkdwn.Truncate(text + " Filters are `tag:value`, all of which must hold.", BlockLimits.SectionText));
    }

    static string Prefix(string value) => value.TrimEnd('*').Length > 0 ? value.TrimEnd('*') : "prod";

    /// <summary>Filters that would narrow this list: tags of the listed resources that are not filtered on yet.</summary>
    static IReadOnlyList<string> NarrowExamples(CatalogPreview catalog, TagFilters filters)
    {
        var used = filters.Filters.Select(f => f.Tag).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return catalog.Requestable.Select(p => p.Resource).OfType<ResourceInfo>()
            .SelectMany(r => r.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
            .Where(t => !used.Contains(t.Key))
            .Select(t => $"{t.Key}:{t.Value}")
            .Distinct(StringComparer.Ordinal)
            .Take(2)
            .ToList();
    }
}
