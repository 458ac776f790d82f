using JitBot.Cli;
using JitBot.Hosting;
using JitBot.Policies;
using JitBot.Providers;
using JitBot.Providers.Token;
using JitBot.SlackApp;

// `jitbot policy …`, `jitbot --help` and anything else that is not a setting is a command, not a bot to start.
if (!JitBotCommandLine.StartsTheBot(args)) return JitBotCommandLine.Run(args, Console.Out, Console.Error);

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.RequireSettings();
    builder.AddPolicies(ProviderTypes.Known);
    builder.AddJitBotCore();
    builder.AddPolicyReload();
    builder.AddSlackApp();
    builder.AddStartupLog();
    builder.AddOperations();

    var app = builder.Build();
    await app.Services.OpenStorageAsync();
    await ProviderStartupCheck.Run(app.Services);
    app.MapSlackEndpoints();
    app.MapTokenEndpoints();
    app.MapGet("/healthz", () => Results.Text("ok"));
    app.MapReadiness();
    app.MapMetrics();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (StartupErrors.Explain(e).Count > 0)
{
    return StartupErrors.Report(e, Console.Error);
}

/// <summary>The bot's entry point (public so functional tests can host it).</summary>
public partial class Program;
