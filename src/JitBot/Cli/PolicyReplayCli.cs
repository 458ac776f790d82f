using System.CommandLine;
using System.Diagnostics;
using JitBot.Policies;
using JitBot.Policies.Replay;
using JitBot.Storage;

namespace JitBot.Cli;

/// <summary>What <c>jitbot policy replay</c> was asked, as parsed from its command line.</summary>
public sealed record ReplayArguments(string Folder, string? Since, string? Until, int Limit, CliStoreOptions Store);

/// <summary>
/// <c>jitbot policy replay &lt;dir&gt; [--since 30d] [--until …]</c>: the requests recorded in the audit log (the store
/// of <see cref="CliStore"/>) decided again under the policy in <c>dir</c>, and every decision that would change, as
/// Markdown on stdout. Exit 0 when none changes, 1 when some do, 2 when the folder is missing or does not validate,
/// a time cannot be read or is in the future, or the store cannot be opened (one sentence on stderr).
/// </summary>
public static class PolicyReplayCli
{
    public const string DefaultSince = "30d";

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var folder = new Argument<string>("folder") { Description = "The policy folder as proposed, for example a pull request's." };
        var since = new Option<string>("--since")
        {
            Description = $"Replay the requests made since: 30d, 12h, 2w back from now, a date (2026-03-04) or an ISO time. Default: {DefaultSince}.", HelpName = "when",
        };
        var until = new Option<string>("--until") { Description = "Until when (exclusive): like --since, or now. Default: now.", HelpName = "when" };
        var limit = new Option<int?>("--limit")
        {
            Description = $"List at most this many changed decisions (all are counted). Default: {PolicyReplay.DefaultMaxChanges}.", HelpName = "n",
        };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--limit must be at least 1.");
        });
        var replay = new Command("replay",
            "Decide the requests recorded in the audit log again under the policy in <folder> and list, as Markdown, every decision that would change. " +
            "Exit 0 no change, 1 changes, 2 a usage, folder or store problem.")
        {
            folder, since, until, limit,
        };
        CliStore.AddOptions(replay);
        replay.SetAction(r => Replay(new ReplayArguments(r.GetRequiredValue(folder), r.GetValue(since), r.GetValue(until), r.GetValue(limit) ?? PolicyReplay.DefaultMaxChanges,
            CliStore.OptionsFrom(r)), DateTimeOffset.UtcNow, stdout, stderr));
        return replay;
    }

    public static int Replay(ReplayArguments args, DateTimeOffset now, TextWriter stdout, TextWriter stderr)
    {
        if (PolicyCli.FolderOrUsageError(args.Folder, "replay", stderr) is not { } dir) return PolicyCli.Usage;
        if (!TimeRange.TryParse(args.Since ?? DefaultSince, args.Until, now, out var range, out var error))
            return PolicyCli.UsageError(stderr, "replay", error);
        var policy = PolicyCli.LoadOrReport(dir, args.Folder, stderr, stderr, quietWhenValid: true);
        if (policy is null)
        {
            stderr.WriteLine($"Nothing replayed: {args.Folder} must validate first.");
            return PolicyCli.Usage;
        }

        IAccessStore? store = null;
        try
        {
            store = CliStore.OpenAsync(args.Store, CancellationToken.None).GetAwaiter().GetResult();
            var watch = Stopwatch.StartNew();
            var result = new PolicyReplay(policy, store, args.Limit).RunAsync(range.Since, range.Until, CancellationToken.None).GetAwaiter().GetResult();
            var names = policy.People.Where(p => !string.IsNullOrWhiteSpace(p.Name))
                .GroupBy(p => p.SlackId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Name!.Trim(), StringComparer.Ordinal);
            stdout.Write(ReplayMarkdown.Render(result, id => names.GetValueOrDefault(id)));
            stderr.WriteLine($"Replayed in {watch.Elapsed.TotalSeconds:0.0} s.");
            return result.Changed == 0 ? PolicyCli.Ok : PolicyCli.Failed;
        }
        catch (Exception e) when (e is StorageUnavailableException or IOException or UnauthorizedAccessException or Npgsql.NpgsqlException or TimeoutException)
        {
            // One sentence: the store's own, or the database's first line.
            stderr.WriteLine($"error: {e.Message.Split('\n')[0].Trim()}");
            return PolicyCli.Usage;
        }
        finally
        {
            if (store is not null) CliStore.Close(store);
        }
    }
}
