using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.Providers.Token;

/// <summary><c>token</c>: a signed short-lived JWT for the requester. The signing key comes from configuration only.</summary>
public sealed class TokenType : IProviderType
{
    public const string Name = "token";

    string IProviderType.Name => Name;

    public IReadOnlyList<ProviderParameter> Parameters { get; } = [];

    public IReadOnlyList<string> RequiredSettings { get; } = ["SigningKey"];

    public IEnumerable<string> Check(IReadOnlyDictionary<string, string> parameters) => [];

    public string AccessKey(IReadOnlyDictionary<string, string> parameters, string resourceId) => resourceId;

    public IAccessProvider Create(string instance, IConfigurationSection settings, IServiceProvider services) =>
        new TokenProvider(TokenSettings.From(instance, settings), services.GetRequiredService<TimeProvider>());
}
