using JitBot.Hosting;
using JitBot.Slack;
using Microsoft.Extensions.Options;

namespace JitBot.SlackApp;

/// <summary>The <c>Slack</c> settings section. Secrets here are never logged.</summary>
public sealed class SlackOptions
{
    public const string Section = "Slack";

    /// <summary>The bot token, <c>xoxb-…</c> (required).</summary>
    public string BotToken { get; set; } = "";

    /// <summary>
    /// The app's signing secret, used to check that requests come from Slack. Required unless <see cref="AppToken"/>
    /// is set; without it every HTTP request to Slack's request URLs is refused.
    /// </summary>
    public string SigningSecret { get; set; } = "";

    /// <summary>
    /// The app-level token (<c>xapp-…</c>, scope <c>connections:write</c>). When set, JitBot hears from Slack over
    /// Socket Mode (a WebSocket it opens itself, so it needs no public address) instead of HTTP request URLs.
    /// </summary>
    public string? AppToken { get; set; }

    /// <summary>True when <see cref="AppToken"/> is set: JitBot connects to Slack over Socket Mode.</summary>
    public bool SocketMode => !string.IsNullOrWhiteSpace(AppToken);

    /// <summary>Slack's Web API base URL; tests point it at a fake Slack.</summary>
    public string ApiBaseUrl { get; set; } = SlackProtocol.DefaultApiBaseUrl;

    /// <summary>
    /// The workspace (<c>T…</c>) whose clicks count. Optional: when empty, JitBot asks Slack which workspace the
    /// bot token belongs to (<c>auth.test</c>).
    /// </summary>
    public string? TeamId { get; set; }

    /// <summary>
    /// The app (<c>A…</c>) whose clicks count. Optional: when empty, JitBot asks Slack which app the bot belongs to
    /// (<c>bots.info</c>, scope <c>users:read</c>).
    /// </summary>
    public string? AppId { get; set; }

    /// <summary>
    /// The operators' channel (<c>C…</c>): failing revocations, their recovery and reconciliation drift are posted
    /// here as well as in the owning team's channel. Optional; without it only the team's channel hears.
    /// </summary>
    public string? AdminChannel { get; set; }

    /// <summary>Messages JitBot posts per second to one channel (or person), sustained; Slack allows about one.</summary>
    public double MessagesPerSecond { get; set; } = 1;

    /// <summary>How many messages JitBot may post to one channel at once before the sustained rate applies.</summary>
    public int MessageBurst { get; set; } = 5;

    public override string ToString() =>
        $"Slack(ApiBaseUrl={ApiBaseUrl}, TeamId={TeamId}, AppId={AppId}, AdminChannel={AdminChannel}, BotToken=***, SigningSecret=***, AppToken={(SocketMode ? "***" : "")})";
}

/// <summary>Stops start-up with a sentence naming each missing or wrong Slack setting.</summary>
public sealed class SlackOptionsValidator : IValidateOptions<SlackOptions>
{
    public ValidateOptionsResult Validate(string? name, SlackOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BotToken)) problems.Add(Settings.Missing("Slack:BotToken"));
        if (string.IsNullOrWhiteSpace(options.SigningSecret) && !options.SocketMode) problems.Add(Settings.MissingSigningSecret);
        if (options.SocketMode && !options.AppToken!.Trim().StartsWith("xapp-", StringComparison.Ordinal))
            problems.Add(Settings.Invalid("Slack:AppToken",
                "is not an app-level token: it must start with xapp- (Basic Information → App-Level Tokens, with the scope connections:write)"));
        if (!Uri.TryCreate(options.ApiBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            problems.Add(Settings.Invalid("Slack:ApiBaseUrl", "must be an absolute http(s) URL such as https://slack.com/api/"));
        if (!(options.MessagesPerSecond > 0) || options.MessagesPerSecond > 100)
            problems.Add(Settings.Invalid("Slack:MessagesPerSecond", "must be a number of messages per second per channel above 0 and at most 100, such as 1"));
        if (options.MessageBurst is < 1 or > 100)
            problems.Add(Settings.Invalid("Slack:MessageBurst", "must be a whole number of messages from 1 to 100, such as 5"));
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
