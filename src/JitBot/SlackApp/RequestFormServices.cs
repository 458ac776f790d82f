using JitBot.Requests;
using JitBot.Slack.Dispatch;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JitBot.SlackApp;

public static class RequestFormServices
{
    /// <summary>
    /// The previews (<c>/access explain</c>, <c>/access resources</c>) and the request form: its opener, submission,
    /// external-select suggestions and the "Request access" button.
    /// </summary>
    public static IServiceCollection AddRequestForm(this IServiceCollection services)
    {
        services.TryAddSingleton<AccessPreviews>();
        services.AddSingleton<RequestFormContext>();
        services.AddScoped<RequestFormOpener>();
        services.AddScoped<CatalogCommands>();
        services.AddScoped<IViewSubmissionHandler, RequestFormSubmission>();
        services.AddScoped<IBlockSuggestionHandler, RequestFormSuggestions>();
        services.AddScoped<IBlockActionHandler, OpenRequestFormClick>();
        return services;
    }
}
