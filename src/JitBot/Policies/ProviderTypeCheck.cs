namespace JitBot.Policies;

/// <summary>
/// What policy validation knows about one provider type: its name and how to check a resource's provider
/// parameters (every key but <c>type</c> and <c>instance</c>). Given as data, so Policies/ does not depend on
/// the providers themselves.
/// </summary>
public sealed record ProviderTypeCheck(string Name, Func<IReadOnlyDictionary<string, string>, IEnumerable<string>> Problems);
