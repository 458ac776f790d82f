using System.Text;
using JitBot.Common;
using JitBot.Policies;
using JitBot.Providers;

namespace JitBot.Cli;

/// <summary>What <c>jitbot policy explain</c> was asked, as parsed from its command line.</summary>
public sealed record ExplainArguments(
    string Folder,
    string User,
    string Resource,
    IReadOnlyList<string> Groups,
    TimeSpan? Duration = null,
    string? Reason = null,
    string? Channel = null,
    bool Incident = false,
    DateTimeOffset? At = null,
    string? IncidentLabel = null);

/// <summary>
/// The <c>jitbot policy</c> verbs once their arguments are parsed (<see cref="JitBotCommandLine"/> parses
/// them). Exit codes: 0 ok, 1 invalid policy or failing test, 2 usage error.
/// </summary>
public static class PolicyCli
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    public static int Validate(string folder, TextWriter stdout, TextWriter stderr)
    {
        if (FolderOrUsageError(folder, "validate", stderr) is not { } dir) return Usage;
        return LoadOrReport(dir, folder, stdout, stderr, quietWhenValid: false) is null ? Failed : Ok;
    }

    public static int Test(string folder, TextWriter stdout, TextWriter stderr)
    {
        if (FolderOrUsageError(folder, "test", stderr) is not { } dir) return Usage;
        var snapshot = LoadOrReport(dir, folder, stdout, stderr, quietWhenValid: true);
        if (snapshot is null) return Failed;
        var suite = PolicyTestRunner.ReadCases(dir, snapshot);
        if (suite.Cases.Count == 0 && suite.FileProblems.Count == 0)
        {
            stderr.WriteLine($"No policy tests found: add *.test.yaml files under {folder} (see docs/policies.md).");
            stdout.WriteLine("0 passed, 0 failed");
            return Failed;
        }
        // Every failure is a FAIL line with its place, so the count at the end is the number of FAIL lines.
        int passed = 0, failed = 0;
        foreach (var c in suite.Cases)
        {
            var result = PolicyTestRunner.Run(snapshot, c);
            if (result.Passed)
            {
                passed++;
                stdout.WriteLine($"  ok    {c.Name}");
                continue;
            }
            failed++;
            stdout.WriteLine($"  FAIL  {c.Name}  ({Shown(folder, c.File)}:{c.Line}:{c.Column})");
            foreach (var f in result.Failures) stdout.WriteLine($"          {f}");
        }
        foreach (var file in suite.FileProblems.GroupBy(p => p.File))
        {
            failed++;
            stdout.WriteLine($"  FAIL  {Shown(folder, file.Key)}  (the file could not be read as policy tests)");
            foreach (var p in file) stdout.WriteLine($"          {p.Format(folder)}");
        }
        stdout.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? Ok : Failed;
    }

    public static int Explain(ExplainArguments args, TextWriter stdout, TextWriter stderr)
    {
        if (FolderOrUsageError(args.Folder, "explain", stderr) is not { } dir) return Usage;
        var snapshot = LoadOrReport(dir, args.Folder, stdout, stderr, quietWhenValid: true);
        if (snapshot is null) return Failed;

        var (user, userError) = RequesterLookup.User(snapshot, args.User);
        if (userError is not null) return UsageError(stderr, "explain", $"--user: {userError}");
        var groupIds = new List<string>();
        foreach (var g in args.Groups)
        {
            var (id, error) = RequesterLookup.Group(snapshot, g);
            if (error is not null) return UsageError(stderr, "explain", $"--group: {error}");
            groupIds.Add(id!);
        }
        var request = new DecisionRequest(new Principal(user!, groupIds), args.Resource, args.Duration, args.Reason,
            new RequestContext(args.At ?? DateTimeOffset.UtcNow, null, args.Channel, args.Incident || args.IncidentLabel is not null,
                IncidentLabel: args.IncidentLabel));
        stdout.Write(Describe(snapshot, request, snapshot.Decide(request)));
        return Ok;
    }

    /// <summary>Prints a usage error the way parse errors are printed, and gives the usage exit code.</summary>
    internal static int UsageError(TextWriter stderr, string verb, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine($"Run `jitbot policy {(verb.Length > 0 ? verb + " " : "")}--help` to see how to use it.");
        return Usage;
    }

    /// <summary>The policy folder as given (looked up as <see cref="PolicyServiceExtensions.ResolvePath"/> does), or null after saying what is wrong with it.</summary>
    internal static string? FolderOrUsageError(string folder, string verb, TextWriter stderr)
    {
        var resolved = PolicyServiceExtensions.ResolvePath(folder);
        var kind = DiskEntry.Of(resolved).Kind;
        if (kind == DiskKind.Folder) return resolved;
        var example = $"for example `jitbot policy {verb} examples/policies`";
        UsageError(stderr, verb, kind switch
        {
            DiskKind.Missing => $"There is no folder \"{folder}\" (looked from {Directory.GetCurrentDirectory()}). Give the folder that holds the policy files, {example}.",
            DiskKind.File => $"\"{folder}\" is a file; give the folder that holds the policy files" +
                             (Path.GetDirectoryName(Path.GetFullPath(resolved)) is { Length: > 0 } parent ? $" (\"{parent}\"?)." : $", {example}."),
            _ => $"\"{folder}\" is not a folder; give the folder that holds the policy files, {example}.",
        });
        return null;
    }

    internal static PolicySnapshot? LoadOrReport(string dir, string shownAs, TextWriter stdout, TextWriter stderr, bool quietWhenValid)
    {
        var result = PolicyLoader.Load(dir, PolicyLimits.Default, ProviderTypes.Known);
        foreach (var p in result.Problems) (p.IsError ? stderr : stdout).WriteLine(p.Format(shownAs));
        if (result.Snapshot is null)
        {
            var errors = result.Problems.Count(p => p.IsError);
            var warnings = result.Problems.Count - errors;
            stderr.WriteLine($"The policy is not valid: {Plural(errors, "error")}{(warnings > 0 ? $", {Plural(warnings, "warning")}" : "")}.");
            if (result.PartlyRead)
                stderr.WriteLine("Parts of the folder could not be read (above): fix those first. The checks across files (ids, teams, groups, rules that match nothing) run once everything can be read.");
            return null;
        }
        if (!quietWhenValid)
        {
            var s = result.Snapshot;
            stdout.WriteLine($"The policy is valid: {Plural(s.ResourceIds.Count, "resource")}, {Plural(s.RuleCount, "rule")}" +
                             (result.Problems.Count > 0 ? $", {Plural(result.Problems.Count, "warning")}" : "") + $". Version {s.Version}");
        }
        return result.Snapshot;
    }

    static string Shown(string folder, string file) => Path.Combine(folder, file).Replace('\\', '/');

    /// <summary>A decision laid out for a person: outcome, why, rules, approvers, duration, missing fields.</summary>
    public static string Describe(PolicySnapshot snapshot, DecisionRequest request, Decision d)
    {
        var sb = new StringBuilder();
        var tags = snapshot.PrincipalTags(request.Principal);
        sb.AppendLine($"Outcome:   {PolicyTestRunner.OutcomeText(d.Outcome)}");
        sb.AppendLine($"Why:       {d.Explanation}");
        sb.AppendLine($"Request:   {request.Principal.SlackUserId} -> {request.ResourceId}" +
                      (request.RequestedDuration is { } rd ? $" for {DurationText.Humanize(rd)}" : "") +
                      (request.Reason is { } r ? $", because \"{r}\"" : "") +
                      (request.Context.ChannelName is { } c ? $", in {c}" : "") +
                      (request.Context.Incident || snapshot.IsIncidentChannel(request.Context.ChannelName) ? ", incident" : "") +
                      (request.Context.IncidentLabel is { } label ? $" {label}" : "") +
                      $", at {request.Context.At:yyyy-MM-dd'T'HH:mm:ssK}");
        sb.AppendLine($"Requester: {(tags.Count == 0 ? "no tags (unknown to the policy)" : string.Join(", ", tags.Select(t => $"{t.Key}={string.Join("|", t.Value)}")))}");
        if (d.Resource is { } res)
            sb.AppendLine($"Resource:  {res.Id} ({res.Description}), owned by {res.OwnerTeam}; {string.Join(", ", res.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"))}");
        sb.AppendLine("Rules:" + (d.Rules.Count == 0 ? "     none matched" : ""));
        foreach (var rule in d.Rules)
            sb.AppendLine($"  - {rule.RuleId} ({EffectText(rule.Effect)}): {rule.Role}{(rule.Message is { } m ? " — " + m : "")}");
        if (d.Approval is { } plan)
        {
            sb.AppendLine($"Approvers: {string.Join(" and ", plan.Requirements.Select(q => $"{q.Count} of {q.Approvers.Name}"))} in {plan.Channel}, " +
                          $"never the requester; times out after {DurationText.Humanize(plan.Timeout)}");
            if (plan.RemindAfter is { } remind)
                sb.AppendLine($"Reminder:  after {DurationText.Humanize(remind)}, in the approval thread");
            if (plan.Escalation is { } e)
                sb.AppendLine($"Escalates: after {DurationText.Humanize(e.After)}, to {e.Approvers.Name} in {e.Channel}, who may then approve");
        }
        else if (d.Outcome == DecisionOutcome.AutoApproved)
        {
            sb.AppendLine("Approvers: none needed");
        }
        if (d.Duration is { } dur)
        {
            var line = $"Duration:  {DurationText.Humanize(dur.Granted)}";
            line += dur.Requested is { } req ? $" (requested {DurationText.Humanize(req)}" : " (the default";
            line += dur.Capped ? $"; capped by rule {dur.CappedByRule} at {DurationText.Humanize(dur.Cap!.Value)})" : ")";
            sb.AppendLine(line);
        }
        foreach (var f in d.FieldProblems) sb.AppendLine($"Missing:   {f.Field}: {f.Message}");
        sb.AppendLine($"Policy:    {d.PolicyVersion}");
        return sb.ToString();
    }

    static string EffectText(RuleEffect effect) => effect switch
    {
        RuleEffect.Deny => "deny",
        RuleEffect.Allow => "allow",
        _ => "require_approval",
    };

    static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";
}
