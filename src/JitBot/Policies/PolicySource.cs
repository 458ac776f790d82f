using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Policies;

/// <summary>A policy that did not validate; the message lists every problem as file:line:col.</summary>
public sealed class PolicyLoadException(string directory, IReadOnlyList<PolicyProblem> problems)
    : Exception($"The policy in {directory} is not valid, so it was not loaded:{Environment.NewLine}" +
                string.Join(Environment.NewLine, problems.Where(p => p.IsError).Select(p => "  " + p.Format(directory))))
{
    public IReadOnlyList<PolicyProblem> Problems { get; } = problems;
}

/// <summary>
/// Holds the last good policy. <see cref="Reload"/> reads the folder again and swaps the new version in only
/// when it validates; otherwise the running version stays and the result says why the new one was refused.
/// </summary>
public sealed class PolicySource : IPolicySource
{
    readonly ILogger logger;
    readonly Lock reloading = new();
    volatile PolicySnapshot current;

    readonly IReadOnlyCollection<string> providerTypes;

    /// <summary>Loads <paramref name="directory"/>; throws <see cref="PolicyLoadException"/> when it is not valid.</summary>
    /// <param name="providerTypes">The provider types the bot has; a resource naming another is a problem.</param>
    public PolicySource(string directory, IReadOnlyCollection<string> providerTypes, ILogger<PolicySource>? logger = null)
    {
        Directory = directory;
        this.providerTypes = providerTypes;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        var result = PolicyLoader.Load(directory, PolicyLimits.Default, providerTypes);
        current = result.Snapshot ?? throw new PolicyLoadException(directory, result.Problems);
        LogWarnings(result);
        this.logger.LogInformation("Loaded policy {Version} from {Directory}: {Resources} resources, {Rules} rules",
            current.Version, directory, current.ResourceIds.Count, current.RuleCount);
    }

    public string Directory { get; }

    public IPolicySnapshot Current => current;

    /// <summary>The current snapshot with its concrete type (for tools that need more than the interface).</summary>
    public PolicySnapshot CurrentSnapshot => current;

    /// <summary>The last refused reload, if the most recent reload was refused.</summary>
    public PolicyLoadResult? LastRefused { get; private set; }

    public PolicyLoadResult Reload()
    {
        lock (reloading)
        {
            var result = PolicyLoader.Load(Directory, PolicyLimits.Default, providerTypes);
            if (result.Snapshot is null)
            {
                LastRefused = result;
                logger.LogError("Refused the new policy in {Directory}; still using {Version}. Problems:{NewLine}{Problems}",
                    Directory, current.Version, Environment.NewLine,
                    string.Join(Environment.NewLine, result.Errors.Select(p => p.Format(Directory))));
                return result;
            }
            LastRefused = null;
            LogWarnings(result);
            if (result.Snapshot.Version != current.Version)
                logger.LogInformation("Policy changed from {Old} to {New}", current.Version, result.Snapshot.Version);
            current = result.Snapshot;
            return result;
        }
    }

    void LogWarnings(PolicyLoadResult result)
    {
        foreach (var p in result.Problems.Where(p => !p.IsError))
            logger.LogWarning("Policy warning: {Problem}", p.Format(Directory));
    }
}
