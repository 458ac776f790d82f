using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Providers;

/// <summary>
/// A provider that changes nothing outside JitBot: it records grants and revocations (in the log, in memory,
/// and, when <c>Providers:record:{instance}:StateFile</c> is set, in that JSON file, which outlives the process)
/// so that the lifecycle can run end to end before a real provider is configured. Type <c>record</c>.
/// </summary>
public sealed class RecordOnlyProvider(ILogger<RecordOnlyProvider> logger, string? stateFile = null) : IAccessProvider
{
    /// <summary>What the state file holds for each granted grant.</summary>
    public sealed record Entry(string AccessKey, DateTimeOffset ExpiresAt);

    readonly Lock _gate = new();
    readonly Dictionary<string, Entry> _granted = Load(stateFile);

    public string Type => ProviderTypes.Record;

    public Task<ProviderResult> GrantAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _granted[grant.GrantId] = new Entry(grant.AccessKey, grant.ExpiresAt);
            Save();
        }
        logger.LogInformation("Recorded grant {GrantId}: {AccessKey} until {ExpiresAt:O}", grant.GrantId, grant.AccessKey, grant.ExpiresAt);
        return Task.FromResult(ProviderResult.Ok("recorded"));
    }

    public Task<ProviderResult> RevokeAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_granted.Remove(grant.GrantId)) Save();
        }
        logger.LogInformation("Recorded revocation of grant {GrantId}: {AccessKey}", grant.GrantId, grant.AccessKey);
        return Task.FromResult(ProviderResult.Ok("recorded"));
    }

    public Task<ProviderCheck> CheckAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(new ProviderCheck(_granted.ContainsKey(grant.GrantId) ? ProviderState.Granted : ProviderState.NotGranted));
    }

    /// <summary>Reads a state file (grant id → entry); an absent file is an empty state.</summary>
    public static Dictionary<string, Entry> Load(string? path) =>
        path is not null && File.Exists(path)
            ? JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(path)) ?? []
            : [];

    /// <summary>Writes the whole state to a new file and moves it into place, so a crash leaves the old or the new state, never half.</summary>
    void Save()
    {
        if (stateFile is null) return;
        var temp = stateFile + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
            JsonSerializer.Serialize(stream, _granted);
        File.Move(temp, stateFile, overwrite: true);
    }
}

/// <summary>The <c>record</c> type: no parameters; its <c>default</c> instance always exists; the optional setting <c>StateFile</c>.</summary>
public sealed class RecordProviderType : IProviderType
{
    public const string StateFileKey = "StateFile";

    public string Name => ProviderTypes.Record;
    public IReadOnlyList<ProviderParameter> Parameters { get; } = [];
    public IReadOnlyList<string> RequiredSettings { get; } = [];
    public IEnumerable<string> Check(IReadOnlyDictionary<string, string> parameters) => [];
    public string AccessKey(IReadOnlyDictionary<string, string> parameters, string resourceId) => resourceId;

    public IAccessProvider Create(string instance, IConfigurationSection settings, IServiceProvider services) =>
        new RecordOnlyProvider(services.GetService<ILogger<RecordOnlyProvider>>() ?? NullLogger<RecordOnlyProvider>.Instance,
            string.IsNullOrWhiteSpace(settings[StateFileKey]) ? null : settings[StateFileKey]);
}
