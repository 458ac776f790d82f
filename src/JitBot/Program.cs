using JitBot.Cli;
using JitBot.Hosting;
using JitBot.Playground;

// `jitbot playground`: the bot below, on a throwaway store, with a Slack of its own in a local web page.
if (PlaygroundCommand.IsPlayground(args)) return await PlaygroundCommand.RunAsync(args[1..], Console.Out, Console.Error);

// `jitbot policy …`, `jitbot --help` and anything else that is not a setting is a command, not a bot to start.
if (!JitBotCommandLine.StartsTheBot(args)) return JitBotCommandLine.Run(args, Console.Out, Console.Error);

try
{
    var app = await BotApplication.BuildAsync(WebApplication.CreateBuilder(args));
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (StartupErrors.Explain(e).Count > 0)
{
    return StartupErrors.Report(e, Console.Error);
}

/// <summary>The bot's entry point (public so functional tests can host it).</summary>
public partial class Program;
