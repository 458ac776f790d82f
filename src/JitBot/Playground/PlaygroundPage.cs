using System.Text.Json.Nodes;

namespace JitBot.Playground;

/// <summary>
/// The playground's web page and what it calls: the page itself (HTML, script and style, embedded in the program),
/// the state it polls, and the acts it asks for (a command, a click, a modal submitted or closed, an external
/// select's query), which <see cref="PlaygroundBotClient"/> turns into signed requests to the bot. Only requests
/// addressed to the playground's own loopback address are served, so another web site open in the same browser
/// cannot drive it.
/// </summary>
public static class PlaygroundPage
{
    static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/blockkit.js", "blockkit.js", "text/javascript; charset=utf-8"),
        ("/playground.js", "playground.js", "text/javascript; charset=utf-8"),
        ("/playground.css", "playground.css", "text/css; charset=utf-8"),
    ];

    public static void Map(IEndpointRouteBuilder endpoints, PlaygroundWorkspace workspace, PlaygroundBotClient bot)
    {
        foreach (var (path, resource, contentType) in Files)
        {
            var content = Read(resource);
            endpoints.MapGet(path, () => Results.Text(content, contentType));
        }

        endpoints.MapGet("/state", (string? user, long? since) =>
            since is { } known && known == workspace.Version ? Results.NoContent() : Results.Text(workspace.Snapshot(user).ToJsonString(), "application/json"));

        endpoints.MapPost("/act/command", async (Act act) =>
        {
            if (Refused(workspace, act.User) is { } refused) return refused;
            var text = (act.Text ?? "").Trim();
            if (text.StartsWith("/access", StringComparison.OrdinalIgnoreCase)) text = text["/access".Length..].TrimStart();
            await bot.CommandAsync(act.User!, act.Channel ?? "#" + PlaygroundWorkspace.GeneralChannel, text);
            return Results.NoContent();
        });
        endpoints.MapPost("/act/home", async (Act act) =>
        {
            if (Refused(workspace, act.User) is { } refused) return refused;
            await bot.OpenHomeAsync(act.User!);
            return Results.NoContent();
        });
        endpoints.MapPost("/act/click", async (Act act) =>
        {
            if (Refused(workspace, act.User) is { } refused || act.ActionId is null) return Results.BadRequest();
            await bot.ClickAsync(act.User!, act.Channel, act.Ts, act.ViewId, act.ActionId, act.BlockId, act.Value, act.Selected);
            return Results.NoContent();
        });
        endpoints.MapPost("/act/submit", async (Act act) =>
        {
            if (Refused(workspace, act.User) is { } refused || act.ViewId is null) return Results.BadRequest();
            await bot.SubmitAsync(act.User!, act.ViewId, act.Values ?? new JsonObject());
            return Results.NoContent();
        });
        endpoints.MapPost("/act/close", async (Act act) =>
        {
            if (Refused(workspace, act.User) is { } refused || act.ViewId is null) return Results.BadRequest();
            await bot.CloseAsync(act.User!, act.ViewId);
            return Results.NoContent();
        });
        endpoints.MapPost("/act/options", async (Act act) =>
        {
            if (Refused(workspace, act.User) is { } refused || act.ViewId is null || act.ActionId is null) return Results.BadRequest();
            return Results.Text(await bot.OptionsAsync(act.User!, act.ViewId, act.ActionId, act.BlockId, act.Text ?? ""), "application/json");
        });
    }

    /// <summary>Refuses acts of nobody the playground knows.</summary>
    static IResult? Refused(PlaygroundWorkspace workspace, string? user) =>
        user is null || workspace.Person(user) is null ? Results.BadRequest("pick a person first") : null;

    /// <summary>
    /// Serves only requests whose Host is the playground's own loopback address (127.0.0.1 or localhost with its
    /// port): a page elsewhere that resolves its own name to 127.0.0.1 gets 421.
    /// </summary>
    public static IApplicationBuilder UseLoopbackHostOnly(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var host = context.Request.Host;
        if (host.Host is not ("127.0.0.1" or "localhost") || host.Port != context.Connection.LocalPort)
        {
            context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
            return;
        }
        await next(context);
    });

    static string Read(string name)
    {
        using var stream = typeof(PlaygroundPage).Assembly.GetManifestResourceStream("JitBot.Playground.Page." + name)
            ?? throw new InvalidOperationException($"The playground's {name} is missing from the program.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>What the page asks for; which fields count depends on the act.</summary>
    sealed record Act(string? User, string? Channel, string? Text, string? Ts, string? ViewId, string? ActionId, string? BlockId,
        string? Value, string? Selected, JsonObject? Values);
}
