using JitBot.Slack.Api;
using Microsoft.Extensions.Options;

namespace JitBot.SlackApp;

/// <summary>The Slack workspace and app this JitBot belongs to.</summary>
public sealed record SlackAppIdentity(string TeamId, string AppId)
{
    /// <summary>Why something from workspace <paramref name="teamId"/> and app <paramref name="appId"/> is not for this JitBot, or null when it is.</summary>
    public string? WhyNotOurs(string? teamId, string? appId) =>
        teamId != TeamId ? "it comes from another workspace"
        : appId != AppId ? "it comes from another app"
        : null;
}

/// <summary>
/// Knows which Slack workspace and app this JitBot is, so that clicks from anywhere else can be refused: from
/// the settings <c>Slack:TeamId</c> and <c>Slack:AppId</c> when both are set, otherwise from Slack (<c>auth.test</c>
/// names the token's workspace and bot, <c>bots.info</c> the bot's app). It asks once at start-up. Until it
/// knows, <see cref="IdentityAsync"/> answers null, clicks are refused and each failed attempt is logged as an
/// error that says what to check; it asks again when a click comes, at most once every <see cref="RetryAfter"/>.
/// Knowing is logged at Debug level (JitBot keeps to one start-up line), or as information when it follows a
/// failure.
/// </summary>
public sealed class SlackWorkspace(ISlackApiClient slack, IOptions<SlackOptions> options, TimeProvider time, ILogger<SlackWorkspace> logger)
    : IHostedService
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);
    static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    readonly SemaphoreSlim gate = new(1, 1);
    SlackAppIdentity? known;
    DateTimeOffset? lastAttempt;
    bool failed;

    /// <summary>Who this JitBot is in Slack, or null while that cannot be learned.</summary>
    public async Task<SlackAppIdentity?> IdentityAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref known) is { } identity) return identity;
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (known is not null) return known;
            var now = time.GetUtcNow();
            if (lastAttempt is { } last && now - last < RetryAfter) return null;
            lastAttempt = now;
            Volatile.Write(ref known, await LearnAsync(cancellationToken));
            return known;
        }
        finally
        {
            gate.Release();
        }
    }

    async Task<SlackAppIdentity?> LearnAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var teamId = string.IsNullOrWhiteSpace(settings.TeamId) ? null : settings.TeamId.Trim();
        var appId = string.IsNullOrWhiteSpace(settings.AppId) ? null : settings.AppId.Trim();
        if (teamId is null || appId is null)
        {
            using var timeout = new CancellationTokenSource(AttemptTimeout, time);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                var token = await slack.Auth.TestAsync(attempt.Token);
                if (teamId is not null && teamId != token.TeamId)
                    return NotKnown($"the setting Slack:TeamId is {teamId}, but the bot token belongs to workspace {token.TeamId}. Make them agree");
                teamId = token.TeamId;
                if (appId is null && token.BotId is { Length: > 0 } botId)
                    appId = (await slack.Bots.InfoAsync(botId, attempt.Token)).AppId;
                if (string.IsNullOrEmpty(appId))
                    return NotKnown("Slack named no app for the bot token (is Slack:BotToken a bot token, xoxb-…?). Set Slack:AppId");
            }
            catch (SlackApiException e)
            {
                return NotKnown($"{e.Method} answered {e.Error}. Check Slack:BotToken and the users:read scope, or set Slack:TeamId and Slack:AppId");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return NotKnown($"Slack did not answer within {AttemptTimeout.TotalSeconds:0} seconds");
            }
        }
        logger.Log(failed ? LogLevel.Information : LogLevel.Debug,
            "Approval clicks count when they come from Slack workspace {TeamId} and app {AppId}", teamId, appId);
        return new SlackAppIdentity(teamId, appId);
    }

    SlackAppIdentity? NotKnown(string why)
    {
        failed = true;
        logger.LogError("JitBot does not know which Slack workspace and app it belongs to: {Why}. Approval clicks are refused until it does; " +
            "it asks Slack again when a click comes, at most every {RetryAfter}.", why, RetryAfter);
        return null;
    }

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => IdentityAsync(cancellationToken);

    Task IHostedService.StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
