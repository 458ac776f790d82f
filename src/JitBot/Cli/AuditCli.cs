using System.CommandLine;
using System.Text;
using JitBot.Audit;
using JitBot.Storage;

namespace JitBot.Cli;

/// <summary>
/// <c>jitbot audit verify</c> and <c>jitbot audit export</c> on the store of <see cref="CliStore"/>. Exit codes:
/// 0 intact (or exported), 1 the log was tampered with, 2 usage or store error.
/// </summary>
public static class AuditCli
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "The chain-head checkpoint to check against. Default: the setting Audit:CheckpointPath, else audit-checkpoint.json beside the LiteDB file (data/ with PostgreSQL).",
            HelpName = "file",
        };
        var verify = new Command("verify", "Check the audit log's hash chain and that it still holds the anchored chain head. Exit 0 intact, 1 tampered (naming the first bad event), 2 usage or store error.")
        {
            checkpoint,
        };
        CliStore.AddOptions(verify);
        verify.SetAction(r => Verify(CliStore.OptionsFrom(r), r.GetValue(checkpoint), stdout, stderr));

        var since = new Option<string>("--since") { Description = "From when: 30d, 12h, 2026-03-04 or an ISO time. Default: the beginning.", HelpName = "when" };
        var until = new Option<string>("--until") { Description = "Until when (exclusive): like --since, or now. Default: now.", HelpName = "when" };
        var format = new Option<string>("--format") { Description = "jsonl (one event per line) or csv.", HelpName = "jsonl|csv", DefaultValueFactory = _ => "jsonl" };
        format.AcceptOnlyFromAmong("jsonl", "csv");
        var output = new Option<string>("--out") { Description = "The file to write. Default: standard output.", HelpName = "file" };
        var export = new Command("export", "Write the audit events of a time range as JSON Lines or CSV, with their sequence numbers and hashes.")
        {
            since, until, format, output,
        };
        CliStore.AddOptions(export);
        export.SetAction(r => Export(CliStore.OptionsFrom(r), r.GetValue(since), r.GetValue(until), r.GetValue(format) ?? "jsonl", r.GetValue(output), stdout, stderr));

        var audit = new Command("audit", "Verify and export the hash-chained audit log (see docs/audit.md).") { verify, export };
        audit.SetAction(_ =>
        {
            stderr.WriteLine("error: Say what to do: `jitbot audit verify` or `jitbot audit export`.");
            stderr.WriteLine("Run `jitbot audit --help` to see how to use it.");
            return PolicyCli.Usage;
        });
        return audit;
    }

    public static int Verify(CliStoreOptions options, string? checkpointFile, TextWriter stdout, TextWriter stderr)
    {
        AuditCheckpoint? anchor;
        string path;
        try
        {
            var settings = CliStore.Settings(options.SettingsDirectory);
            path = checkpointFile is not null ? Path.GetFullPath(checkpointFile) : AuditOptions.ResolveCheckpointPath(settings[AuditOptions.CheckpointPathKey],
                options.Provider ?? settings[StorageOptions.ProviderKey], options.ConnectionString ?? settings[StorageOptions.ConnectionStringKey]);
            anchor = AuditCheckpoint.ReadFrom(path);
            if (anchor is null && checkpointFile is not null)
            {
                stderr.WriteLine($"error: there is no checkpoint file at {path}.");
                return PolicyCli.Usage;
            }
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return PolicyCli.Usage;
        }

        return WithStore(options, stderr, async store =>
        {
            var result = await AuditCheck.RunAsync(store, new StoreAuditLog(store), anchor, CancellationToken.None);
            if (!result.Chain.Intact)
            {
                var kind = result.BrokenKind is null ? "" : $" ({result.BrokenKind})";
                stdout.WriteLine($"BROKEN at event {result.Chain.FirstBrokenSeq}{kind}: {result.Chain.Problem}");
                stdout.WriteLine($"{result.Chain.EventsChecked} events before it are intact.");
                if (result.CheckpointProblem is not null) stdout.WriteLine($"Checkpoint {path}: {result.CheckpointProblem}");
                return PolicyCli.Failed;
            }
            if (result.CheckpointProblem is not null)
            {
                stdout.WriteLine($"BROKEN: {result.CheckpointProblem}");
                stdout.WriteLine($"(checked against the checkpoint {path}; the {result.Chain.EventsChecked} events stored link up)");
                return PolicyCli.Failed;
            }
            if (result.Chain.EventsChecked == 0)
                stdout.WriteLine("The audit log is empty: 0 events, nothing to check.");
            else
                stdout.WriteLine($"Intact: {result.Chain.EventsChecked} events, from 1 to {result.LastSeq}, each linked to the one before it.");
            stdout.WriteLine(anchor is null
                ? $"No checkpoint at {path}: a log truncated at its end would not be noticed (the bot writes the checkpoint; see docs/audit.md)."
                : $"The checkpoint {path} matches: event {anchor.Seq} has the hash anchored on {anchor.At.UtcDateTime:yyyy-MM-dd HH:mm} UTC.");
            return PolicyCli.Ok;
        });
    }

    public static int Export(CliStoreOptions options, string? since, string? until, string format, string? outFile, TextWriter stdout, TextWriter stderr)
    {
        if (!TimeRange.TryParse(since, until, DateTimeOffset.UtcNow, out var range, out var error))
        {
            stderr.WriteLine($"error: {error}");
            return PolicyCli.Usage;
        }
        return WithStore(options, stderr, async store =>
        {
            var csv = format == "csv";
            long count;
            if (outFile is null)
            {
                count = await AuditExport.WriteAsync(store, range.Since, range.Contains, csv, stdout, CancellationToken.None, csvLineEnd: "\n");
            }
            else
            {
                var temp = outFile + ".tmp";
                await using (var file = new StreamWriter(temp, false, new UTF8Encoding(false)))
                    count = await AuditExport.WriteAsync(store, range.Since, range.Contains, csv, file, CancellationToken.None);
                File.Move(temp, outFile, overwrite: true);
                stderr.WriteLine($"Wrote {count} events to {outFile}.");
            }
            if (count == 0) stderr.WriteLine("No audit events in that range.");
            return PolicyCli.Ok;
        });
    }

    static int WithStore(CliStoreOptions options, TextWriter stderr, Func<IAccessStore, Task<int>> work)
    {
        IAccessStore? store = null;
        try
        {
            store = CliStore.OpenAsync(options, CancellationToken.None).GetAwaiter().GetResult();
            return work(store).GetAwaiter().GetResult();
        }
        catch (StorageUnavailableException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return PolicyCli.Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return PolicyCli.Usage;
        }
        finally
        {
            if (store is not null) CliStore.Close(store);
        }
    }
}
