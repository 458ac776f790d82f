using JitBot.Common;
using JitBot.Requests;
using JitBot.Slack.Api;

namespace JitBot.SlackApp;

/// <summary>How opening the request form went.</summary>
public enum FormOpening
{
    Opened,
    /// <summary>Nothing in the catalog is open to the person: no form, a sentence instead.</summary>
    NothingToRequest,
    /// <summary>Slack could not say which groups the person is in, in time: no form (the choices depend on them).</summary>
    GroupsUnknown,
    /// <summary>Slack refused the trigger (expired, used, invalid) or the call failed: answer with the text grammar.</summary>
    CouldNotOpen,
}

/// <summary>
/// Opens the request form with <c>views.open</c> and a <c>trigger_id</c>, which Slack accepts for 3 seconds and once:
/// the person's choices (their groups read within <see cref="GroupLookupBudget"/>) are decided, the view built and
/// opened at once. Where it cannot open, the caller answers with the text grammar instead.
/// </summary>
public sealed class RequestFormOpener(AccessPreviews previews, ISlackApiClient slack, RequestFormContext contexts, TimeProvider time,
    ILogger<RequestFormOpener> logger)
{
    /// <summary>How long the form waits for the person's groups, leaving time for <c>views.open</c> within Slack's 3 seconds.</summary>
    public static readonly TimeSpan GroupLookupBudget = TimeSpan.FromSeconds(1.5);

    public async Task<FormOpening> OpenAsync(FormOrigin origin, string? triggerId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(triggerId)) return FormOpening.CouldNotOpen;
        CatalogPreview catalog;
        using (var budget = new CancellationTokenSource(GroupLookupBudget, time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token))
        {
            try
            {
                catalog = await previews.CatalogAsync(origin.UserId, origin.ChannelId, origin.ChannelName, TagFilters.None, withBounds: false, linked.Token);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Could not read the groups of {UserId} for the request form", LogText.Safe(origin.UserId));
                return FormOpening.GroupsUnknown;
            }
        }
        if (catalog.Requestable.Count == 0) return FormOpening.NothingToRequest;

        var view = RequestForm.Build(catalog.Requestable, contexts.Write(origin));
        try
        {
            await slack.ViewsOpenAsync(triggerId, view, cancellationToken);
            return FormOpening.Opened;
        }
        catch (SlackApiException e) when (e.IsUnusableTrigger)
        {
            logger.LogInformation("The request form for {UserId} could not open ({Error}); answering with the text grammar",
                LogText.Safe(origin.UserId), e.Error);
            return FormOpening.CouldNotOpen;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "The request form for {UserId} could not open; answering with the text grammar", LogText.Safe(origin.UserId));
            return FormOpening.CouldNotOpen;
        }
    }
}
