using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JitBot.Providers.Token;

/// <summary><c>token</c>: a signed short-lived JWT for the requester. The signing key comes from configuration only.</summary>
public sealed class TokenType : IProviderType
{
    public const string Name = "token";

    string IProviderType.Name => Name;

    public IReadOnlyList<ProviderParameter> Parameters { get; } = [];

    public IReadOnlyList<string> RequiredSettings { get; } = [TokenSettings.SigningKeyKey];

    /// <summary>The signing key is required unless the instance asks for a generated development key.</summary>
    public IEnumerable<string> MissingSettings(IConfigurationSection settings) =>
        TokenSettings.GeneratesDevelopmentKey(settings, $"Providers:{Name}:{settings.Key}:") || !string.IsNullOrWhiteSpace(settings[TokenSettings.SigningKeyKey])
            ? []
            : RequiredSettings;

    public IEnumerable<string> Check(IReadOnlyDictionary<string, string> parameters) => [];

    public string AccessKey(IReadOnlyDictionary<string, string> parameters, string resourceId) => resourceId;

    public IAccessProvider Create(string instance, IConfigurationSection settings, IServiceProvider services) =>
        new TokenProvider(
            TokenSettings.From(instance, settings, services.GetService<IHostEnvironment>(), services.GetService<ILogger<TokenProvider>>()),
            services.GetRequiredService<TimeProvider>());
}
