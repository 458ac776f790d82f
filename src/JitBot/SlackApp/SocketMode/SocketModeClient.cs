using System.Net.WebSockets;
using JitBot.Common;
using JitBot.Slack.Api;
using JitBot.Slack.SocketMode;
using Microsoft.Extensions.Options;

namespace JitBot.SlackApp.SocketMode;

/// <summary>
/// Socket Mode (when <c>Slack:AppToken</c> is set): keeps one WebSocket to Slack open and feeds what arrives on
/// it to the same handlers as the HTTP request URLs. A connection counts once Slack's <c>hello</c> has arrived
/// (within <see cref="HelloTimeout"/>). When Slack announces the end of a connection (<c>disconnect</c>:
/// <c>warning</c>, <c>refresh_requested</c> or any other reason), a new one is opened first and the old one is
/// closed only once the new one is ready, after answering what came in on it; a dropped connection is replaced
/// at once. Failures to connect are retried after 1, 2, 4 … seconds (at most <see cref="MaxBackoff"/>, or later when
/// Slack's 429 says so); an app-level token Slack refuses is reported in one sentence and retried every
/// <see cref="TokenRefusedRetry"/>;
/// <c>link_disabled</c> stops Socket Mode for good (until JitBot is restarted). Waits use the host's
/// <see cref="TimeProvider"/>.
/// </summary>
public sealed class SocketModeClient(IOptions<SlackOptions> options, IServiceProvider services, TimeProvider time, ILogger<SocketModeClient> logger)
    : BackgroundService
{
    public static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan TokenRefusedRetry = TimeSpan.FromMinutes(5);

    int opened;

    /// <summary>The wait before the next attempt after <paramref name="failures"/> failed ones in a row: none, then 1 s, 2 s, 4 s … up to <see cref="MaxBackoff"/>.</summary>
    public static TimeSpan Backoff(int failures) =>
        failures <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(failures - 1, 30))));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.SocketMode) return;
        // Resolved only in Socket Mode: a bot on HTTP request URLs builds none of it.
        var open = services.GetRequiredService<Func<SocketModeConnections>>()();
        var connector = services.GetRequiredService<ISocketModeConnector>();
        var envelopes = services.GetRequiredService<SocketModeEnvelopes>();
        SocketModeLink? current = null;
        var closing = new List<Task>();
        var failures = 0;
        try
        {
            while (true)
            {
                var (link, retryIn) = await OpenAsync(open, connector, envelopes, failures, stoppingToken);
                if (link is null)
                {
                    failures++;
                    await Task.Delay(retryIn, time, stoppingToken);
                    continue;
                }
                failures = 0;
                // The old connection closes only now that the new one is ready.
                if (current is not null) closing.Add(current.CloseAsync());
                current = link;
                logger.LogInformation("Connected to Slack over Socket Mode (connection {Connection})", link.Number);
                var reason = await current.Ended.WaitAsync(stoppingToken);
                if (reason == SocketModeMessage.LinkDisabled)
                {
                    logger.LogError("Slack disabled JitBot's Socket Mode connection (link_disabled), so JitBot no longer hears from Slack: "
                        + "turn Socket Mode back on for the app (or set Slack:SigningSecret and request URLs instead) and restart JitBot");
                    break;
                }
                if (reason == SocketModeLink.Dropped)
                    logger.LogWarning("Socket Mode connection {Connection} to Slack dropped; reconnecting", current.Number);
                else
                    logger.LogInformation("Slack asked JitBot to reconnect ({Reason}); opening a new Socket Mode connection before closing connection {Connection}",
                        LogText.Safe(reason), current.Number);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (current is not null) closing.Add(current.CloseAsync());
            await Task.WhenAll(closing);
        }
    }

    /// <summary>A new connection that has said hello, or null and how long to wait before trying again.</summary>
    async Task<(SocketModeLink? Link, TimeSpan RetryIn)> OpenAsync(SocketModeConnections open, ISocketModeConnector connector,
        SocketModeEnvelopes envelopes, int failures, CancellationToken stoppingToken)
    {
        var retryIn = Backoff(failures + 1);
        Uri url;
        try
        {
            url = await open.OpenAsync(stoppingToken);
        }
        catch (SlackApiException e) when (SocketModeConnections.IsTokenRefused(e.Error))
        {
            logger.LogError("Slack refused the app-level token in Slack:AppToken ({Error}): it is wrong, revoked, or lacks the connections:write scope, "
                + "so make a new one under Basic Information → App-Level Tokens, set it, and restart JitBot (Socket Mode tries again every {Minutes} minutes meanwhile)",
                LogText.Safe(e.Error), TokenRefusedRetry.TotalMinutes);
            return (null, TokenRefusedRetry);
        }
        catch (SlackRateLimitedException e)
        {
            var wait = e.RetryAt - time.GetUtcNow() is var left && left > retryIn ? left : retryIn;
            logger.LogWarning("Slack rate-limited apps.connections.open; trying again in {Seconds} s", Math.Ceiling(wait.TotalSeconds));
            return (null, wait);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is SlackApiException or HttpRequestException or OperationCanceledException)
        {
            logger.LogWarning("Could not open a Socket Mode connection ({Why}); trying again in {Seconds} s",
                e is SlackApiException s ? LogText.Safe(s.Error) : e.GetType().Name, retryIn.TotalSeconds);
            return (null, retryIn);
        }

        ISocketModeSocket socket;
        try
        {
            socket = await connector.ConnectAsync(url, stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested
            && e is WebSocketException or HttpRequestException or IOException or OperationCanceledException)
        {
            logger.LogWarning("Could not connect the Socket Mode WebSocket ({Why}); trying again in {Seconds} s", e.GetType().Name, retryIn.TotalSeconds);
            return (null, retryIn);
        }

        var link = new SocketModeLink(socket, envelopes, logger, Interlocked.Increment(ref opened));
        link.Start();
        try
        {
            await link.Hello.WaitAsync(HelloTimeout, time, stoppingToken);
            return (link, TimeSpan.Zero);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Slack's hello did not arrive within {Seconds} s on Socket Mode connection {Connection}; closing it and trying again in {Retry} s",
                HelloTimeout.TotalSeconds, link.Number, retryIn.TotalSeconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await link.CloseAsync();
            throw;
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Socket Mode connection {Connection} closed before Slack's hello; trying again in {Retry} s", link.Number, retryIn.TotalSeconds);
        }
        await link.CloseAsync();
        return (null, retryIn);
    }
}
