using System.Net;
using System.Security.Cryptography;
using JitBot.Hosting;
using JitBot.Policies;
using JitBot.Providers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace JitBot.Playground;

/// <summary>
/// A running playground: its own server on 127.0.0.1 (the page, and the Slack Web API the bot calls) and the real
/// bot, built by <see cref="BotApplication"/> like any other, on 127.0.0.1 with a LiteDB file in a temporary folder,
/// a signing secret and bot token made for this run, and the policy folder given. Both take a free port. When the
/// bot cannot start, the page stays up and shows why (<see cref="Problems"/>). Disposing stops both and deletes the
/// folder.
/// </summary>
public sealed class PlaygroundHost : IAsyncDisposable
{
    readonly WebApplication page;
    readonly DirectoryInfo folder;
    readonly HttpClient http;
    WebApplication? bot;

    PlaygroundHost(WebApplication page, DirectoryInfo folder, HttpClient http, PlaygroundWorkspace workspace)
    {
        this.page = page;
        this.folder = folder;
        this.http = http;
        Workspace = workspace;
    }

    public PlaygroundWorkspace Workspace { get; }

    /// <summary>The page's address (what to open in a browser).</summary>
    public Uri PageAddress { get; private set; } = null!;

    /// <summary>The bot's address, or null when it did not start.</summary>
    public Uri? BotAddress { get; private set; }

    public IReadOnlyList<string> Problems => Workspace.Problems;

    public static async Task<PlaygroundHost> StartAsync(string policiesPath, TextWriter log)
    {
        var folder = Directory.CreateTempSubdirectory("jitbot-playground-");
        var signingSecret = RandomNumberGenerator.GetHexString(64, lowercase: true);
        var botToken = "xoxb-playground-" + RandomNumberGenerator.GetHexString(32, lowercase: true);
        var workspace = new PlaygroundWorkspace();
        var triggers = new PlaygroundTriggers();
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var client = new PlaygroundBotClient(workspace, triggers, signingSecret, http);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = folder.FullName });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var page = builder.Build();
        page.UseLoopbackHostOnly();
        PlaygroundPage.Map(page, workspace, client);
        new PlaygroundSlackApi(workspace, triggers, botToken).Map(page);
        // Webhook provider instances post their events here; the playground takes them as done.
        page.MapPost("/webhook/{instance}", () => Results.Ok());
        await page.StartAsync();

        var host = new PlaygroundHost(page, folder, http, workspace);
        host.PageAddress = BoundAddress(page);
        client.PageAddress = host.PageAddress;
        try
        {
            var policies = LoadPolicies(policiesPath, workspace);
            var settings = PlaygroundSettings.For(policiesPath, policies, host.PageAddress, folder.FullName, signingSecret, botToken);
            var botBuilder = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                Args = [], EnvironmentName = Environments.Production, ContentRootPath = AppContext.BaseDirectory,
            });
            botBuilder.Configuration.AddInMemoryCollection(settings);
            botBuilder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = await BotApplication.BuildAsync(botBuilder);
            await app.StartAsync();
            host.bot = app;
            host.BotAddress = BoundAddress(app);
            client.BotAddress = host.BotAddress;
        }
        catch (Exception e) when (StartupErrors.Explain(e).Count > 0)
        {
            var problems = StartupErrors.Explain(e).SelectMany(l => l.Split(Environment.NewLine)).ToList();
            workspace.SetProblems(problems);
            foreach (var line in problems) log.WriteLine(line);
        }
        return host;
    }

    /// <summary>Loads the policy folder the way the bot will, and gives its people to the page.</summary>
    static PolicySnapshot LoadPolicies(string path, PlaygroundWorkspace workspace)
    {
        var snapshot = new PolicySource(path, ProviderTypes.Known).CurrentSnapshot;
        foreach (var person in PlaygroundPeople.From(snapshot)) workspace.AddPerson(person);
        foreach (var (id, handle, members) in PlaygroundPeople.Groups(snapshot)) workspace.SetGroup(id, handle, members);
        return snapshot;
    }

    static Uri BoundAddress(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.EndsWith('/') ? address : address + "/");
    }

    public async ValueTask DisposeAsync()
    {
        if (bot is not null)
        {
            await bot.StopAsync();
            await bot.DisposeAsync();
        }
        await page.StopAsync();
        await page.DisposeAsync();
        http.Dispose();
        try { folder.Delete(recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
