using JitBot.Policies;
using JitBot.Providers;
using JitBot.Providers.Token;
using JitBot.SlackApp;

namespace JitBot.Hosting;

/// <summary>
/// The bot's wiring, in one place: the services, the start-up checks and the endpoints. The program runs it as it
/// is; the playground (<c>jitbot playground</c>) runs the same bot with settings of its own.
/// </summary>
public static class BotApplication
{
    /// <summary>
    /// Builds the bot from <paramref name="builder"/> (settings already in it), opens its store, checks its
    /// providers and maps its endpoints. Start-up problems a person can fix throw what
    /// <see cref="StartupErrors.Explain"/> explains.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(WebApplicationBuilder builder)
    {
        builder.RequireSettings();
        builder.AddPolicies(ProviderTypes.Known);
        builder.AddJitBotCore();
        builder.AddPolicyReload();
        builder.AddSlackApp();
        builder.AddStartupLog();
        builder.AddOperations();

        var app = builder.Build();
        try
        {
            await app.Services.OpenStorageAsync();
            await ProviderStartupCheck.Run(app.Services);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        app.MapSlackEndpoints();
        app.MapTokenEndpoints();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapReadiness();
        app.MapMetrics();
        return app;
    }
}
