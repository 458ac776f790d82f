using System.Globalization;
using System.Security.Cryptography;
using JitBot.Policies;

namespace JitBot.Playground;

/// <summary>
/// The bot's settings in the playground: Slack is the playground's own (its address, a token and signing secret made
/// for this run, its workspace and app), the store is a LiteDB file in the run's temporary folder, and each provider
/// instance the policy names is set up so nothing outside is touched: <c>webhook</c> instances post to the
/// playground (which takes every event as done), <c>token</c> instances sign with a key made for this run, and
/// <c>postgres</c> instances point at a port where nothing listens (their grants fail, saying so, as they would
/// with the server down). These settings come last, so they win over environment variables and appsettings.json.
/// </summary>
public static class PlaygroundSettings
{
    public static Dictionary<string, string?> For(string policiesPath, PolicySnapshot policies, Uri pageAddress, string folder, string signingSecret, string botToken)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Slack:BotToken"] = botToken,
            ["Slack:SigningSecret"] = signingSecret,
            ["Slack:ApiBaseUrl"] = new Uri(pageAddress, "api/").ToString(),
            ["Slack:TeamId"] = PlaygroundWorkspace.TeamId,
            ["Slack:AppId"] = PlaygroundWorkspace.AppId,
            ["Slack:MessagesPerSecond"] = "20",
            ["Slack:MessageBurst"] = "20",
            ["Policies:Path"] = policiesPath,
            ["Storage:Provider"] = "litedb",
            ["Storage:ConnectionString"] = Path.Combine(folder, "jitbot.db"),
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        foreach (var (type, instance) in policies.Catalog.Model.Resources.Select(r => (r.ProviderType, r.ProviderInstance)).Distinct())
        {
            var prefix = $"Providers:{type}:{instance}:";
            switch (type)
            {
                case "webhook":
                    settings[prefix + "Url"] = new Uri(pageAddress, "webhook/" + Uri.EscapeDataString(instance)).ToString();
                    settings[prefix + "Secret"] = RandomNumberGenerator.GetHexString(48, lowercase: true);
                    break;
                case "token":
                    using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256)) settings[prefix + "SigningKey"] = key.ExportPkcs8PrivateKeyPem();
                    break;
                case "postgres":
                    settings[prefix + "ConnectionString"] = "Host=127.0.0.1;Port=1;Database=playground;Username=jitbot;Timeout=2";
                    settings[prefix + "Timeout"] = 2.ToString(CultureInfo.InvariantCulture);
                    break;
            }
        }
        return settings;
    }
}
