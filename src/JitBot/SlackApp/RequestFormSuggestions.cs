using JitBot.Common;
using JitBot.Requests;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// The request form's resource picker for a catalog too large for a static select (<c>block_suggestion</c>, action
/// <see cref="RequestForm.ResourceAction"/>): the resources the person may ask for, decided now as the form decides
/// them, that match what was typed; at most 100. When the person's groups cannot be read, or the form's metadata is
/// not JitBot's, the list is empty (nothing is guessed).
/// </summary>
public sealed class RequestFormSuggestions(AccessPreviews previews, RequestFormContext contexts, TimeProvider time,
    ILogger<RequestFormSuggestions> logger) : IBlockSuggestionHandler
{
    public string ActionId => RequestForm.ResourceAction;

    public async Task<SlackAck> HandleAsync(InteractionPayload payload, CancellationToken cancellationToken)
    {
        var userId = payload.User!.Id;
        if (contexts.Read(payload.View?.PrivateMetadata, userId) is not { } origin) return SlackAck.Options(Array.Empty<OptionObject>());
        using var budget = new CancellationTokenSource(RequestFormOpener.GroupLookupBudget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            var catalog = await previews.CatalogAsync(origin.UserId, origin.ChannelId, origin.ChannelName, TagFilters.None, withBounds: false, linked.Token);
            return SlackAck.Options(RequestForm.Matching(catalog.Requestable, payload.Value));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Could not read the groups of {UserId} for the request form's choices", LogText.Safe(userId));
            return SlackAck.Options(Array.Empty<OptionObject>());
        }
    }
}
