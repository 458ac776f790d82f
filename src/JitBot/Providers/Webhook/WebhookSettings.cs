using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace JitBot.Providers.Webhook;

/// <summary>
/// One webhook instance, from configuration <c>Providers:webhook:{instance}:…</c>: where events go
/// (<see cref="Url"/>), the shared secret they are signed with, an optional address that answers whether a
/// grant is in place (<see cref="CheckUrl"/>), and how long one call may take in all, retries included.
/// </summary>
public sealed record WebhookSettings(Uri Url, string Secret, Uri? CheckUrl, TimeSpan Timeout, int Attempts)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    public const int DefaultAttempts = 3;

    /// <summary>The settings of one instance; throws <see cref="ProviderSettingsException"/> naming the key that is wrong.</summary>
    public static WebhookSettings From(string instance, IConfigurationSection section)
    {
        var prefix = $"Providers:webhook:{instance}:";
        var url = AbsoluteHttp(section["Url"], prefix + "Url", required: true)!;
        var secret = section["Secret"];
        if (string.IsNullOrWhiteSpace(secret) || secret.Length < 16)
            throw new ProviderSettingsException($"Set {prefix}Secret to a random secret of at least 16 characters; receivers check each event's signature with it.");
        var check = AbsoluteHttp(section["CheckUrl"], prefix + "CheckUrl", required: false);
        var timeout = DefaultTimeout;
        if (section["TimeoutSeconds"] is { } t)
        {
            if (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > 300)
                throw new ProviderSettingsException($"{prefix}TimeoutSeconds must be a whole number of seconds from 1 to 300.");
            timeout = TimeSpan.FromSeconds(seconds);
        }
        var attempts = DefaultAttempts;
        if (section["Attempts"] is { } a &&
            (!int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out attempts) || attempts is < 1 or > 10))
            throw new ProviderSettingsException($"{prefix}Attempts must be a whole number from 1 to 10.");
        return new WebhookSettings(url, secret, check, timeout, attempts);
    }

    static Uri? AbsoluteHttp(string? value, string key, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
            return required ? throw new ProviderSettingsException($"Set {key} to the http(s) address that receives JitBot's events.") : null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new ProviderSettingsException($"{key} must be an absolute http(s) address, such as https://hooks.example.com/jitbot.");
        if (!string.IsNullOrEmpty(uri.UserInfo))
            throw new ProviderSettingsException($"{key} must not carry a user name or password; events are authenticated by their signature.");
        return uri;
    }
}
