using System.Text.Json;
using JitBot.Common;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// <c>app_home_opened</c> (bot event; the manifest enables the Home tab): the person's App Home is published with
/// what is true now (<see cref="AppHomeRefresher"/>), and they are remembered as viewing it, so that it is refreshed
/// when their requests and grants change. Slack gets its 200 at once; the work runs right after
/// (<see cref="SlackBackgroundWork"/>). Only events of this JitBot's workspace and app count
/// (<see cref="SlackEventOrigin"/>), and only the Home tab (<c>tab: home</c>): opening the Messages tab changes nothing.
/// A repeated delivery publishes the page again, which is harmless.
/// </summary>
public sealed class AppHomeOpenedHandler(SlackBackgroundWork work) : ISlackEventHandler
{
    public const string Type = "app_home_opened";

    public string EventType => Type;

    public Task HandleAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        var user = Text(envelope.Event, "user");
        var tab = Text(envelope.Event, "tab");
        if (tab is not null && tab != "home") return Task.CompletedTask;
        work.Enqueue($"{Type} event {LogText.Safe(envelope.EventId)}", async (services, ct) =>
        {
            if (!await services.GetRequiredService<SlackEventOrigin>().IsOursAsync(envelope, ct)) return;
            if (!IsUserId(user))
            {
                services.GetRequiredService<ILogger<AppHomeOpenedHandler>>()
                    .LogWarning("Ignored a Slack {EventType} event {EventId} that names no user", Type, LogText.Safe(envelope.EventId));
                return;
            }
            await services.GetRequiredService<AppHomeRefresher>().OpenedAsync(user!, ct);
        });
        return Task.CompletedTask;
    }

    static bool IsUserId(string? id) => id is { Length: >= 2 and <= 40 } && id[0] is 'U' or 'W' && id.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c));

    static string? Text(JsonElement? element, string property) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
