using System.Globalization;
using System.Text;
using JitBot.Common;
using JitBot.Policies;
using JitBot.Providers;

namespace JitBot.Cli;

/// <summary>
/// <c>jitbot policy validate|test|explain</c>. Exit codes: 0 ok, 1 invalid policy or failing test, 2 usage error.
/// </summary>
public static class PolicyCli
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    const string UsageText = """
        Usage:
          jitbot policy validate <dir>
          jitbot policy test <dir>
          jitbot policy explain <dir> --user <U…> --resource <id> [--group <S…|@handle>]... [--duration 2h]
                                      [--reason "…"] [--channel <name>] [--incident] [--at <ISO time>]

        validate  checks every policy file and prints each problem as file:line:col: code: message
        test      runs the *.test.yaml cases beside the policies
        explain   decides one request and says why
        Exit codes: 0 ok, 1 invalid policy or failing test, 2 usage error.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            if (args.Length == 0) return UsageError(stderr, "Say what to do: validate, test or explain.");
            if (args[0] is "-h" or "--help" or "help")
            {
                stdout.WriteLine(UsageText);
                return Ok;
            }
            var verb = args[0];
            var rest = args[1..];
            return verb switch
            {
                "validate" => Validate(rest, stdout, stderr),
                "test" => Test(rest, stdout, stderr),
                "explain" => Explain(rest, stdout, stderr),
                _ => UsageError(stderr, $"Unknown command \"{verb}\"."),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return Failed;
        }
    }

    static int UsageError(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine(UsageText);
        return Usage;
    }

    static bool SingleDirectory(string[] args, TextWriter stderr, string verb, out string dir, out int code)
    {
        dir = "";
        code = Ok;
        if (args.Length == 1 && !args[0].StartsWith('-'))
        {
            dir = args[0];
            return true;
        }
        code = UsageError(stderr, args.Length == 0 ? $"`{verb}` needs the policy folder, e.g. `jitbot policy {verb} examples/policies`." : $"`{verb}` takes only the policy folder.");
        return false;
    }

    static PolicySnapshot? LoadOrReport(string dir, TextWriter stdout, TextWriter stderr, bool quietWhenValid)
    {
        var result = PolicyLoader.Load(PolicyServiceExtensions.ResolvePath(dir), PolicyLimits.Default, ProviderTypes.Known);
        foreach (var p in result.Problems) (p.IsError ? stderr : stdout).WriteLine(p.Format(dir));
        if (result.Snapshot is null)
        {
            var errors = result.Problems.Count(p => p.IsError);
            var warnings = result.Problems.Count - errors;
            stderr.WriteLine($"The policy is not valid: {Plural(errors, "error")}{(warnings > 0 ? $", {Plural(warnings, "warning")}" : "")}.");
            return null;
        }
        if (!quietWhenValid)
        {
            var s = result.Snapshot;
            stdout.WriteLine($"The policy is valid: {s.ResourceIds.Count} resources, {s.RuleCount} rules" +
                             (result.Problems.Count > 0 ? $", {Plural(result.Problems.Count, "warning")}" : "") + $". Version {s.Version}");
        }
        return result.Snapshot;
    }

    static int Validate(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!SingleDirectory(args, stderr, "validate", out var dir, out var code)) return code;
        return LoadOrReport(dir, stdout, stderr, quietWhenValid: false) is null ? Failed : Ok;
    }

    static int Test(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!SingleDirectory(args, stderr, "test", out var dir, out var code)) return code;
        var snapshot = LoadOrReport(dir, stdout, stderr, quietWhenValid: true);
        if (snapshot is null) return Failed;
        var (cases, problems) = PolicyTestRunner.ReadCases(PolicyServiceExtensions.ResolvePath(dir), snapshot);
        foreach (var p in problems) stderr.WriteLine(p.Format(dir));
        if (cases.Count == 0 && problems.Count == 0)
        {
            stderr.WriteLine($"No policy tests found: add *.test.yaml files under {dir} (see docs/policies.md).");
            stdout.WriteLine("0 passed, 0 failed");
            return Failed;
        }
        int passed = 0, failed = 0;
        foreach (var c in cases)
        {
            var result = PolicyTestRunner.Run(snapshot, c);
            if (result.Passed)
            {
                passed++;
                stdout.WriteLine($"  ok    {c.Name}");
                continue;
            }
            failed++;
            stdout.WriteLine($"  FAIL  {c.Name}  ({Path.Combine(dir, c.File).Replace('\\', '/')}:{c.Line}:{c.Column})");
            foreach (var f in result.Failures) stdout.WriteLine($"          {f}");
        }
        failed += problems.Count(p => p.IsError);
        stdout.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? Ok : Failed;
    }

    static int Explain(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? dir = null, user = null, resource = null, reason = null, channel = null;
        TimeSpan? duration = null;
        DateTimeOffset? at = null;
        var incident = false;
        var groups = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            string Value()
            {
                if (i + 1 >= args.Length) throw new UsageException($"{a} needs a value.");
                return args[++i];
            }
            try
            {
                switch (a)
                {
                    case "--user": user = Value(); break;
                    case "--resource": resource = Value(); break;
                    case "--group": groups.Add(Value()); break;
                    case "--reason": reason = Value(); break;
                    case "--channel": channel = Value(); break;
                    case "--incident": incident = true; break;
                    case "--duration":
                        var d = Value();
                        if (!DurationText.TryParse(d, out var parsed, out var error)) throw new UsageException(error);
                        duration = parsed;
                        break;
                    case "--at":
                        var t = Value();
                        if (!DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
                            throw new UsageException($"--at \"{t}\" is not a date and time; write it like 2026-03-04T11:00:00Z.");
                        at = when;
                        break;
                    default:
                        if (a.StartsWith('-')) throw new UsageException($"Unknown option {a}.");
                        if (dir is not null) throw new UsageException($"Unexpected \"{a}\": give one policy folder.");
                        dir = a;
                        break;
                }
            }
            catch (UsageException e)
            {
                return UsageError(stderr, e.Message);
            }
        }
        if (dir is null || user is null || resource is null)
            return UsageError(stderr, "`explain` needs the policy folder, --user and --resource.");

        var snapshot = LoadOrReport(dir, stdout, stderr, quietWhenValid: true);
        if (snapshot is null) return Failed;

        var groupIds = new List<string>();
        foreach (var g in groups)
        {
            var id = g.StartsWith('@') ? snapshot.FindGroupId(g) : g;
            if (id is null) return UsageError(stderr, $"The group {g} is not declared in the policy; give its Slack id (S…) or a declared handle.");
            groupIds.Add(id);
        }
        var principal = new Principal(user, groupIds);
        var request = new DecisionRequest(principal, resource, duration, reason,
            new RequestContext(at ?? DateTimeOffset.UtcNow, null, channel, incident));
        var decision = snapshot.Decide(request);
        stdout.Write(Describe(snapshot, request, decision));
        return Ok;
    }

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

    sealed class UsageException(string message) : Exception(message);
}
