using JitBot.Commands;
using JitBot.Requests;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// The request form (<c>/access</c> alone, or App Home's "Request access" button): a modal with the resources the
/// person may ask for (each labelled with how: at once or whose approval, whether a reason is needed, its tags), a
/// duration, a reason and a ticket. Up to <see cref="StaticOptions"/> resources are listed in the view; a larger
/// catalog uses an external select that <see cref="RequestFormSuggestions"/> fills as the person types.
/// </summary>
public static class RequestForm
{
    public const string CallbackId = "request_form";
    public const string OpenActionId = "open_request_form";
    public const string ResourceBlock = "resource";
    /// <summary>The resource picker's action id, for the static select and the external one (<c>block_suggestion</c>).</summary>
    public const string ResourceAction = "request_form_resource";
    public const string DurationBlock = "duration";
    public const string DurationAction = "duration";
    public const string ReasonBlock = "reason";
    public const string ReasonAction = "reason";
    public const string TicketBlock = "ticket";
    public const string TicketAction = "ticket";
    public const int StaticOptions = ViewLimits.Options;
    public const int TicketMaxLength = 64;

    public static View Build(IReadOnlyList<ResourcePreview> requestable, string privateMetadata)
    {
        BlockElement picker = requestable.Count <= StaticOptions
            ? Views.Select(ResourceAction, requestable.Select(Option).OfType<OptionObject>(), "Choose a resource")
            : Views.ExternalSelect(ResourceAction, $"Type to search {requestable.Count} resources", minQueryLength: 0);
        var auto = requestable.Count(p => p.Outcome == PreviewOutcome.Automatic);
        return Views.Modal("Request access", CallbackId,
        [
            Blocks.Section($"You can ask for {SlackText.Count(requestable.Count, "resource")}: " +
                           $"{auto} at once, {requestable.Count - auto} with approval. The policy decides again when you submit."),
            Views.Input(ResourceBlock, "Resource", picker,
                hint: "Each says how it is granted: at once, or with whose approval, and whether it needs a reason."),
            Views.Input(DurationBlock, "For how long", Views.TextInput(DurationAction, "e.g. 30m, 2h, 1h30m", maxLength: 20),
                hint: "Leave empty for the resource's default. More than the policy allows for the resource is refused with its maximum.",
                optional: true),
            Views.Input(ReasonBlock, "Reason", Views.TextInput(ReasonAction, "What you are doing and why", multiline: true,
                    maxLength: AccessCommandParser.MaxReasonLength),
                hint: "Required for some resources (their label says so). Approvers and the audit log read it.", optional: true),
            Views.Input(TicketBlock, "Ticket", Views.TextInput(TicketAction, "e.g. INC-4312", maxLength: TicketMaxLength),
                hint: "Optional. Added to the reason as \"(ticket: INC-4312)\", where a policy that asks for a ticket looks for it.",
                optional: true),
        ], submit: "Request", privateMetadata: privateMetadata);
    }

    /// <summary>
    /// One resource as a choice: its id, and a description with how it is granted, whether it needs a reason and its
    /// tags (cut to Slack's 75 characters). Null for an id too long to be an option's value.
    /// </summary>
    public static OptionObject? Option(ResourcePreview preview)
    {
        if (preview.ResourceId.Length is 0 or > ViewLimits.OptionValue) return null;
        var how = preview.Outcome == PreviewOutcome.Automatic
            ? "at once"
            : preview.Approval is { } plan ? "approval: " + string.Join(" + ", plan.Requirements.Select(r => (r.Count > 1 ? $"{r.Count} of " : "") + r.Approvers.Name))
            : "approval";
        var parts = new List<string> { how };
        if (preview.ReasonRequired) parts.Add(preview.Needs.Any(n => n.Field == "ticket") ? "reason + ticket" : "reason");
        if (preview.Resource is { Tags.Count: > 0 } info)
            parts.Add(string.Join(" ", info.Tags.Where(t => t.Key != "owner-team").OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}")));
        return Views.Option(preview.ResourceId, preview.ResourceId, string.Join(" · ", parts));
    }

    /// <summary>The options that match what was typed (in the id, description or a tag value), ids starting with it first; at most 100.</summary>
    public static IReadOnlyList<OptionObject> Matching(IReadOnlyList<ResourcePreview> requestable, string? typed)
    {
        var query = (typed ?? "").Trim();
        IEnumerable<ResourcePreview> found = requestable;
        if (query.Length > 0)
            found = requestable
                .Select(p => (p, Rank: Rank(p, query)))
                .Where(x => x.Rank >= 0)
                .OrderBy(x => x.Rank)
                .ThenBy(x => x.p.ResourceId, StringComparer.Ordinal)
                .Select(x => x.p);
        return found.Select(Option).OfType<OptionObject>().Take(ViewLimits.Options).ToList();
    }

    static int Rank(ResourcePreview preview, string query)
    {
        if (preview.ResourceId.StartsWith(query, StringComparison.OrdinalIgnoreCase)) return 0;
        if (preview.ResourceId.Contains(query, StringComparison.OrdinalIgnoreCase)) return 1;
        if (preview.Resource is { } info &&
            (info.Description.Contains(query, StringComparison.OrdinalIgnoreCase) ||
             info.Tags.Values.Any(v => v.Contains(query, StringComparison.OrdinalIgnoreCase)))) return 2;
        return -1;
    }
}
