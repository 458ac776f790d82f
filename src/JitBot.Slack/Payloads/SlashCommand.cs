namespace JitBot.Slack.Payloads;

/// <summary>A slash command invocation (the form fields Slack posts).</summary>
public sealed record SlashCommand(
    string Command,
    string Text,
    string UserId,
    string? UserName,
    string? ChannelId,
    string? ChannelName,
    string? TeamId,
    string? TeamDomain,
    string? EnterpriseId,
    string? ResponseUrl,
    string? TriggerId,
    string? ApiAppId)
{
    /// <summary>Reads the fields of a slash command, or null when the required ones are missing.</summary>
    public static SlashCommand? FromForm(IReadOnlyDictionary<string, string> form)
    {
        if (!form.TryGetValue("command", out var command) || string.IsNullOrEmpty(command)) return null;
        if (!form.TryGetValue("user_id", out var user) || string.IsNullOrEmpty(user)) return null;
        return new SlashCommand(
            command,
            form.GetValueOrDefault("text") ?? "",
            user,
            form.GetValueOrDefault("user_name"),
            form.GetValueOrDefault("channel_id"),
            form.GetValueOrDefault("channel_name"),
            form.GetValueOrDefault("team_id"),
            form.GetValueOrDefault("team_domain"),
            form.GetValueOrDefault("enterprise_id"),
            form.GetValueOrDefault("response_url"),
            form.GetValueOrDefault("trigger_id"),
            form.GetValueOrDefault("api_app_id"));
    }

    /// <summary>Slack's certificate check: a form body with <c>ssl_check=1</c>, answered with 200 and nothing else.</summary>
    public static bool IsSslCheck(IReadOnlyDictionary<string, string> form) =>
        form.TryGetValue("ssl_check", out var v) && v == "1";
}
