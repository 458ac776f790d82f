using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.Providers.Webhook;

/// <summary>
/// <c>webhook</c>: signed grant and revoke events POSTed to a receiver. The catalog may name an <c>action</c>
/// the receiver understands; the address and the secret come from configuration only.
/// </summary>
public sealed class WebhookType : IProviderType
{
    public const string Name = "webhook";

    string IProviderType.Name => Name;

    public IReadOnlyList<ProviderParameter> Parameters { get; } =
    [
        new("action", Required: false, "What the receiver should do, passed on in each event's parameters (for example add-to-vpn)."),
    ];

    public IReadOnlyList<string> RequiredSettings { get; } = ["Url", "Secret"];

    public IEnumerable<string> Check(IReadOnlyDictionary<string, string> parameters) => [];

    public string AccessKey(IReadOnlyDictionary<string, string> parameters, string resourceId) =>
        parameters.TryGetValue("action", out var action) ? action : resourceId;

    public IAccessProvider Create(string instance, IConfigurationSection settings, IServiceProvider services)
    {
        var parsed = WebhookSettings.From(instance, settings);
        // Redirects are never followed: a signed event must not be carried to an address nobody configured.
        var http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        return new WebhookProvider(instance, parsed, http, services.GetRequiredService<TimeProvider>());
    }
}
