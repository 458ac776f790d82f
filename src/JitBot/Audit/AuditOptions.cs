using JitBot.Storage;
using Microsoft.Extensions.Configuration;
using JitBot.Storage.LiteDb;

namespace JitBot.Audit;

/// <summary>Settings under <c>Audit</c> (docs/audit.md).</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";
    public const string CheckpointPathKey = Section + ":" + nameof(CheckpointPath);
    public const string AdminsKey = Section + ":" + nameof(Admins);
    public const string DefaultCheckpointFile = "audit-checkpoint.json";

    /// <summary>
    /// <c>Audit:CheckpointPath</c>: the file the chain head is written to. Default: <c>audit-checkpoint.json</c>
    /// beside the LiteDB file, or <c>data/audit-checkpoint.json</c> with PostgreSQL.
    /// </summary>
    public string? CheckpointPath { get; set; }

    /// <summary><c>Audit:AnchorEvery</c>: how often the head is anchored while the bot runs (and always on shutdown). Default one day.</summary>
    public TimeSpan AnchorEvery { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// <c>Audit:Admins</c>: who may use <c>/access audit</c>: Slack user ids (U…, W…) and user group ids (S…), as a
    /// list or comma-separated. Empty: nobody.
    /// </summary>
    public List<string> Admins { get; set; } = [];

    /// <summary>Every admin entry, with comma-separated entries split; <c>Audit:Admins</c> may be one string or a list.</summary>
    public static IReadOnlyList<string> AdminIds(IConfiguration configuration)
    {
        var section = configuration.GetSection(AdminsKey);
        var entries = section.Value is { } one ? [one] : section.GetChildren().Select(c => c.Value ?? "").ToList();
        return new AuditOptions { Admins = entries }.AdminIds();
    }

    /// <summary>Every admin entry, with comma-separated entries split.</summary>
    public IReadOnlyList<string> AdminIds() =>
        Admins.SelectMany(a => a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The checkpoint file's full path for these settings and this store.</summary>
    public static string ResolveCheckpointPath(string? checkpointPath, string? provider, string? connectionString)
    {
        if (!string.IsNullOrWhiteSpace(checkpointPath)) return Path.GetFullPath(checkpointPath.Trim());
        var isLiteDb = string.IsNullOrWhiteSpace(provider) || string.Equals(provider.Trim(), StorageOptions.DefaultProvider, StringComparison.OrdinalIgnoreCase);
        if (isLiteDb)
        {
            try
            {
                var db = LiteDbFile.ParseConnectionString(connectionString).Filename;
                return Path.Combine(Path.GetDirectoryName(db)!, DefaultCheckpointFile);
            }
            catch (StorageUnavailableException)
            {
                // The store says what is wrong with its setting; the checkpoint falls back to the default folder.
            }
        }
        return Path.GetFullPath(Path.Combine("data", DefaultCheckpointFile));
    }
}
