using JitBot.Slack.SocketMode;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace JitBot.SlackApp.SocketMode;

public static class SocketModeServices
{
    /// <summary>
    /// Socket Mode's client, registered always and idle unless <c>Slack:AppToken</c> is set. The WebSocket
    /// connector is a seam (<see cref="ISocketModeConnector"/>); by default a <see cref="System.Net.WebSockets.ClientWebSocket"/>.
    /// </summary>
    public static IServiceCollection AddSocketMode(this IServiceCollection services)
    {
        services.TryAddSingleton<ISocketModeConnector, WebSocketConnector>();
        services.AddSingleton(sp => new EnvelopeAnswers(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SocketModeEnvelopes>();
        services.AddSingleton<Func<SocketModeConnections>>(sp => () =>
        {
            var options = sp.GetRequiredService<IOptions<SlackOptions>>().Value;
            var baseUrl = options.ApiBaseUrl.EndsWith('/') ? options.ApiBaseUrl : options.ApiBaseUrl + "/";
            return new SocketModeConnections(new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, new Uri(baseUrl), options.AppToken!.Trim(),
                sp.GetRequiredService<TimeProvider>());
        });
        services.AddHostedService<SocketModeClient>();
        return services;
    }
}
