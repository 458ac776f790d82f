using JitBot.Hosting;
using JitBot.Policies;
using JitBot.SlackApp;

if (args.Length > 0 && args[0] == "policy") return JitBot.Cli.PolicyCli.Run(args[1..], Console.Out, Console.Error);

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.RequireSettings();
    builder.AddPolicies();
    builder.AddJitBotCore();
    builder.AddPolicyReload();
    builder.AddSlackApp();
    builder.AddStartupLog();

    var app = builder.Build();
    await app.Services.OpenStorageAsync();
    app.MapSlackEndpoints();
    app.MapGet("/healthz", () => Results.Text("ok"));
    app.MapReadiness();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (StartupErrors.Explain(e).Count > 0)
{
    return StartupErrors.Report(e, Console.Error);
}

/// <summary>The bot's entry point (public so functional tests can host it).</summary>
public partial class Program;
