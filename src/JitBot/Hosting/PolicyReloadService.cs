using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JitBot.Audit;
using JitBot.Policies;
using JitBot.Policies.Diff;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JitBot.Hosting;

/// <summary>
/// Picks up policy changes while the bot runs (a `git pull` into the policy folder, a new ConfigMap, …).
/// Every <c>Policies:ReloadSeconds</c> (default 30; 0 turns it off) it looks at the policy files' names,
/// sizes, write and change times, and at what is wrong with the folder, and when any of that changed it
/// reloads. The look is the same bounded walk as loading, so a hostile folder cannot stall it. A policy that does not validate is refused: the
/// bot keeps deciding with the last good version, logs every problem as file:line:col, and writes
/// <c>policy.refused</c> to the audit log; a new good version writes <c>policy.loaded</c>. Both are announced
/// in the admin channel (<c>Slack:AdminChannel</c>) through the outbox: a new version with what changed (the policy
/// diff's counts and first changes), a refused one with its problems, once per distinct set of problems.
/// </summary>
public sealed class PolicyReloadService(
    PolicySource source,
    IAccessStore store,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<PolicyReloadService> logger) : BackgroundService
{
    public const string ReloadSecondsKey = "Policies:ReloadSeconds";
    public const string Loaded = "policy.loaded";
    public const string Refused = "policy.refused";

    public const string AdminChannelKey = "Slack:AdminChannel";

    string fingerprint = Fingerprint(source.Directory);
    string? lastRefused;
    (string Subject, string Payload)? unsent;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = configuration.GetValue(ReloadSecondsKey, 30);
        if (seconds <= 0)
        {
            logger.LogInformation("Policy reloading is off ({Key} = {Seconds})", ReloadSecondsKey, seconds);
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await CheckAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Checking the policy folder {Directory} for changes failed; still using {Version}",
                        source.Directory, source.Current.Version);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Reloads when the policy files changed since the last look. Returns what the reload said, or null.</summary>
    public async Task<PolicyLoadResult?> CheckAsync(CancellationToken cancellationToken)
    {
        if (unsent is { } pending)
        {
            await store.EnqueueNoticeAsync(NotificationKind.PolicyAnnouncement, new RequestId(pending.Subject), Lane(), pending.Payload, time.GetUtcNow(), cancellationToken);
            unsent = null;
        }
        var now = Fingerprint(source.Directory);
        if (now == fingerprint) return null;
        fingerprint = now;

        var running = source.Current;
        var before = running.Version;
        var result = source.Reload();
        if (result.Snapshot is null)
        {
            await AuditAsync(Refused, new Dictionary<string, string?>
            {
                ["running"] = before,
                ["problems"] = string.Join("\n", result.Errors.Select(p => p.Format(source.Directory))),
            }, cancellationToken);
            // Once per distinct broken version: the same problems again (a touched file, a restart of the look) are not news.
            var key = Hash(before + "\n" + string.Join("\n", result.Errors.Select(p => p.Format())));
            if (key != lastRefused)
            {
                lastRefused = key;
                await AnnounceAsync($"policy_refused_{key}", () => PolicyAnnouncementText.Refused(before, result.Problems), cancellationToken);
            }
        }
        else if (result.Snapshot.Version != before)
        {
            lastRefused = null;
            await AuditAsync(Loaded, new Dictionary<string, string?> { ["previous"] = before, ["version"] = result.Snapshot.Version }, cancellationToken);
            var after = result.Snapshot;
            await AnnounceAsync($"policy_loaded_{Hash(before + "\n" + after.Version)}", () =>
                PolicyAnnouncementText.Loaded(before, after.Version, running is PolicySnapshot old ? Diff(old, after) : null), cancellationToken);
        }
        return result;
    }

    PolicyDiffResult? Diff(PolicySnapshot before, PolicySnapshot after)
    {
        try
        {
            return PolicyDiff.Compare(before, after, time.GetUtcNow(), PolicyAnnouncementText.Listed);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError(e, "Working out what changed from {Before} to {After} failed; the reload is announced without it", before.Version, after.Version);
            return null;
        }
    }

    /// <summary>Queues an announcement for the admin channel, if there is one; one that cannot be queued is tried again on the next look.</summary>
    async Task AnnounceAsync(string subject, Func<string> text, CancellationToken cancellationToken)
    {
        if (AdminChannel() is not { } channel) return;
        var payload = JsonSerializer.Serialize(new PolicyAnnouncement(channel, text()));
        try
        {
            await store.EnqueueNoticeAsync(NotificationKind.PolicyAnnouncement, new RequestId(subject), Lane(), payload, time.GetUtcNow(), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            unsent = (subject, payload);
            logger.LogWarning(e, "The policy announcement {Subject} could not be queued; trying again on the next look", subject);
        }
    }

    string? AdminChannel() => configuration[AdminChannelKey] is { Length: > 0 } c && !string.IsNullOrWhiteSpace(c) ? c.Trim() : null;

    string Lane() => NoticeLanes.Channel(AdminChannel() ?? "admin");

    static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    async Task AuditAsync(string kind, Dictionary<string, string?> data, CancellationToken cancellationToken)
    {
        await using var tx = await store.BeginAsync(cancellationToken);
        await tx.AppendAuditAsync(new AuditEvent(kind, time.GetUtcNow(), "jitbot", Data: data), cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>The policy files' names, sizes, times and identities, and what is wrong with the folder; bounded like loading.</summary>
    static string Fingerprint(string directory) => PolicyFolder.Fingerprint(directory, PolicyLimits.Default);
}

public static class PolicyReloadExtensions
{
    /// <summary>Reloads the policy folder while the bot runs; needs <c>AddPolicies</c> and <c>AddJitBotCore</c>.</summary>
    public static IHostApplicationBuilder AddPolicyReload(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<PolicyReloadService>();
        return builder;
    }
}
