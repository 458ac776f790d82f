using JitBot.Requests;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;

namespace JitBot.SlackApp;

/// <summary>
/// The answer to <c>/access resources [tag:value …]</c>: the resources matching every filter that the person could
/// ask for, each with how (at once, with whose approval, whether a reason is required), its duration bounds and tags.
/// Resources they could not ask for are only counted (<c>/access explain</c> says why for one). Bounded for Slack: at
/// most <see cref="MaxListed"/> resources in sections of at most <see cref="SectionBudget"/> characters, then "and N
/// more", with a hint to narrow the list with filters.
/// </summary>
public static class ResourcesReply
{
    public const int MaxListed = 40;
    public const int SectionBudget = 2800;
    /// <summary>What all listed lines may hold together, under Slack's 13,000 characters of blocks in one message.</summary>
    public const int TotalBudget = 11_000;
    const int DescriptionMax = 80;

    public static CommandReply From(CatalogPreview catalog, TagFilters filters, IReadOnlyList<string> narrowExamples)
    {
        var filterText = filters.IsEmpty ? "" : " with " + string.Join(" ", filters.Filters.Select(f => Mrkdwn.Code($"{f.Tag}:{f.Value}")));
        var open = catalog.Requestable.Count;
        var summary = open == 0
            ? $"None of the {SlackText.Count(catalog.Matching, "resource")}{filterText} is open to you right now."
            : $"You can ask for {SlackText.Count(open, "resource")}{filterText}" +
              (catalog.NotAllowed > 0 ? $"; {catalog.NotAllowed} more {(catalog.NotAllowed == 1 ? "is" : "are")} not open to you." : ".");
        var blocks = new List<Block> { Blocks.Section(summary) };

        var section = new List<string>();
        var sectionLength = 0;
        var total = 0;
        var listed = 0;
        foreach (var preview in catalog.Requestable)
        {
            var line = Line(preview);
            if (listed == MaxListed || total + line.Length > TotalBudget) break;
            if (sectionLength + line.Length + 1 > SectionBudget)
            {
                blocks.Add(Blocks.Section(string.Join('\n', section)));
                section.Clear();
                sectionLength = 0;
            }
            section.Add(line);
            sectionLength += line.Length + 1;
            total += line.Length + 1;
            listed++;
        }
        if (section.Count > 0) blocks.Add(Blocks.Section(string.Join('\n', section)));

        var notes = new List<string>();
        if (listed < open)
            notes.Add($"…and {open - listed} more: narrow the list with tag:value filters, e.g. " +
                      string.Join(" or ", narrowExamples.Take(2).Select(e => Mrkdwn.Code($"/access resources {e}"))) + ".");
        if (catalog.NotAllowed > 0 || open == 0)
            notes.Add("`/access explain <resource>` says why one is not open to you; the team that owns it can change that.".Replace("<resource>", "&lt;resource&gt;"));
        if (open > 0)
            notes.Add("Ask with `/access <resource> [for 2h] [because …]`, or type `/access` alone for a form.".Replace("<resource>", "&lt;resource&gt;"));
        if (notes.Count > 0) blocks.Add(Blocks.Context(notes));
        return new CommandReply(summary, Blocks.Message(blocks));
    }

    /// <summary>"• `payments-db`: Payments PostgreSQL · approval: @payments-oncall · reason required · 1 hour by default, at most 4 hours · tags".</summary>
    public static string Line(ResourcePreview preview)
    {
        var parts = new List<string>();
        var description = preview.Resource?.Description;
        var head = $"• {SlackText.Resource(preview.ResourceId)}";
        if (!string.IsNullOrEmpty(description) && description != preview.ResourceId)
            head += ": " + Mrkdwn.Escape(Mrkdwn.Truncate(description, DescriptionMax));
        parts.Add(head);
        parts.Add(How(preview));
        if (preview.ReasonRequired) parts.Add(preview.Needs.Any(n => n.Field == "ticket") ? "reason with a ticket required" : "reason required");
        if (preview.Durations is { } d)
            parts.Add(d.Default == d.Max
                ? SlackText.Duration(d.Max)
                : $"{SlackText.Duration(d.Default)} by default, at most {SlackText.Duration(d.Max)}");
        if (preview.Resource is { } info) parts.Add(SlackText.Tags(info.Tags));
        return string.Join(" · ", parts);
    }

    /// <summary>"at once" or "approval: @payments-oncall" (plain: a listing does not notify the approvers).</summary>
    public static string How(ResourcePreview preview) => preview.Outcome switch
    {
        PreviewOutcome.Automatic => "*at once*",
        PreviewOutcome.Approval when preview.Approval is { } plan => "*approval:* " + Approvers(plan),
        _ => "*approval*",
    };

    /// <summary>Approver sets by name ("2 of @dba-team and @security"), never mentions, so listing them pings nobody.</summary>
    public static string Approvers(JitBot.Policies.ApprovalPlan plan) =>
        string.Join(" and ", plan.Requirements.Select(r => (r.Count > 1 ? $"{r.Count} of " : "") + Mrkdwn.Escape(r.Approvers.Name)));
}
