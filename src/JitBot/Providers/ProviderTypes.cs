namespace JitBot.Providers;

/// <summary>
/// The provider types this JitBot has: the only values a resource's <c>provider.type</c> may take. Policy
/// validation refuses any other type (so <c>jitbot policy validate</c> catches it, not the first grant), and
/// <see cref="AccessProviderRegistry"/> refuses to start without a provider for each of them. A new provider
/// adds its type name here once and returns it from <see cref="IAccessProvider.Type"/>.
/// </summary>
public static class ProviderTypes
{
    /// <summary>Records grants and changes nothing else (<see cref="RecordOnlyProvider"/>).</summary>
    public const string Record = "record";

    public static IReadOnlyList<string> Known { get; } = [Record];
}
