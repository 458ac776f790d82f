using System.Globalization;
using JitBot.Common;
using JitBot.Policies;

namespace JitBot.Cli;

/// <summary>
/// One case from a <c>*.test.yaml</c> file: a request and what the policy should decide. A case with
/// <see cref="Problems"/> (a typo, an undeclared group) is not run: it fails with them.
/// </summary>
public sealed record PolicyTestCase(
    string File,
    int Line,
    int Column,
    string Name,
    DecisionRequest? Request,
    PolicyTestExpectation? Expect,
    IReadOnlyList<PolicyProblem> Problems);

/// <summary>The cases of every test file, in file order, and the problems that belong to no case (a file that is not YAML, a missing <c>cases:</c>).</summary>
public sealed record PolicyTestSuite(IReadOnlyList<PolicyTestCase> Cases, IReadOnlyList<PolicyProblem> FileProblems);

public sealed record PolicyTestExpectation(
    DecisionOutcome Outcome,
    IReadOnlyList<string>? Rules,
    TimeSpan? Duration,
    string? CappedBy,
    bool CappedBySet,
    IReadOnlyList<string>? Approvers,
    string? Channel,
    IReadOnlyList<string>? Fields,
    string? Explanation);

public sealed record PolicyTestResult(PolicyTestCase Case, IReadOnlyList<string> Failures, Decision? Decision)
{
    public bool Passed => Failures.Count == 0;
}

/// <summary>
/// Reads policy tests (files named <c>*.test.yaml</c> under the policy folder) and runs them against a snapshot.
/// A case states the request and the expected outcome; everything else it states is checked too.
/// </summary>
public static class PolicyTestRunner
{
    /// <summary>When a case gives no <c>at</c>: Wednesday 4 March 2026, 11:00 UTC (inside London business hours).</summary>
    public static readonly DateTimeOffset DefaultAt = new(2026, 3, 4, 11, 0, 0, TimeSpan.Zero);

    static readonly string[] CaseKeys = ["name", "request", "expect"];
    static readonly string[] RequestKeys = ["user", "groups", "resource", "duration", "reason", "channel", "incident", "incident_label", "at"];
    static readonly string[] ExpectKeys = ["outcome", "rules", "duration", "capped_by", "approvers", "channel", "fields", "explanation"];

    public static PolicyTestSuite ReadCases(string directory, PolicySnapshot snapshot)
    {
        var problems = new List<PolicyProblem>();
        var cases = new List<PolicyTestCase>();
        var limits = PolicyLimits.Default;
        long total = 0;
        foreach (var file in PolicyFolder.Files(directory, tests: true, limits, problems) ?? [])
        {
            if (PolicyFolder.ReadText(file, limits, ref total, problems) is not { } bytes) continue;
            var text = PolicyFolder.Decode(bytes);
            var fileProblems = new List<PolicyProblem>();
            var root = YamlTree.Parse(text, file.Relative, limits, fileProblems);
            if (fileProblems.Count == 0) new Reader(file.Relative, fileProblems, snapshot).ReadFile(root, cases);
            problems.AddRange(fileProblems);
        }
        return new PolicyTestSuite(cases, problems);
    }

    public static PolicyTestResult Run(PolicySnapshot snapshot, PolicyTestCase test)
    {
        if (test.Problems.Count > 0 || test.Request is null || test.Expect is null)
            return new PolicyTestResult(test, test.Problems.Select(p => $"{p.Line}:{p.Column}: {p.Code}: {p.Message}").ToArray(), null);
        var d = snapshot.Decide(test.Request);
        var e = test.Expect;
        var failures = new List<string>();
        if (d.Outcome != e.Outcome)
            failures.Add($"outcome: expected {OutcomeText(e.Outcome)}, got {OutcomeText(d.Outcome)} ({d.Explanation})");
        if (e.Rules is not null)
        {
            var actual = d.Rules.Select(r => r.RuleId).Order(StringComparer.Ordinal).ToArray();
            var expected = e.Rules.Order(StringComparer.Ordinal).ToArray();
            if (!actual.SequenceEqual(expected))
                failures.Add($"rules: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
        }
        if (e.Duration is { } dur && d.Duration?.Granted != dur)
            failures.Add($"duration: expected {DurationText.Format(dur)}, got {(d.Duration is null ? "none" : DurationText.Format(d.Duration.Granted))}");
        if (e.CappedBySet && d.Duration?.CappedByRule != e.CappedBy)
            failures.Add($"capped_by: expected {e.CappedBy ?? "nothing"}, got {d.Duration?.CappedByRule ?? "nothing"}");
        if (e.Approvers is not null)
        {
            var actual = (d.Approval?.Requirements ?? []).Select(r => $"{r.Count} of {r.Approvers.Name}").Order(StringComparer.Ordinal).ToArray();
            var expected = e.Approvers.Order(StringComparer.Ordinal).ToArray();
            if (!actual.SequenceEqual(expected))
                failures.Add($"approvers: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
        }
        if (e.Channel is not null && d.Approval?.Channel != e.Channel)
            failures.Add($"channel: expected {e.Channel}, got {d.Approval?.Channel ?? "none"}");
        if (e.Fields is not null)
        {
            var actual = d.FieldProblems.Select(f => f.Field).Distinct().Order(StringComparer.Ordinal).ToArray();
            var expected = e.Fields.Order(StringComparer.Ordinal).ToArray();
            if (!actual.SequenceEqual(expected))
                failures.Add($"fields: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
        }
        if (e.Explanation is not null && !d.Explanation.Contains(e.Explanation, StringComparison.OrdinalIgnoreCase))
            failures.Add($"explanation: expected it to contain \"{e.Explanation}\", got \"{d.Explanation}\"");
        return new PolicyTestResult(test, failures, d);
    }

    public static string OutcomeText(DecisionOutcome outcome) => outcome switch
    {
        DecisionOutcome.Denied => "denied",
        DecisionOutcome.AutoApproved => "auto_approved",
        _ => "approval_required",
    };

    static DecisionOutcome? ParseOutcome(string text) => text switch
    {
        "denied" => DecisionOutcome.Denied,
        "auto_approved" => DecisionOutcome.AutoApproved,
        "approval_required" => DecisionOutcome.ApprovalRequired,
        _ => null,
    };

    /// <summary>Reads one test file; each problem goes to the case it is in, or to the file's problems.</summary>
    sealed class Reader(string file, List<PolicyProblem> fileProblems, PolicySnapshot snapshot)
    {
        List<PolicyProblem>? caseProblems;

        /// <summary>Where a problem goes: the case being read, or the file.</summary>
        List<PolicyProblem> Problems => caseProblems ?? fileProblems;

        public void ReadFile(YNode? root, List<PolicyTestCase> into)
        {
            if (root is null) return;
            if (root is not YMap map || map.Entries.Count != 1 || map.Entries[0].Key.Value != "cases" || map.Entries[0].Value is not YSeq seq)
            {
                Bad(root, "A test file is `cases:` followed by a list of cases.");
                return;
            }
            foreach (var item in seq.Items)
            {
                caseProblems = [];
                into.Add(ReadCase(item));
            }
            caseProblems = null;
        }

        PolicyTestCase ReadCase(YNode node)
        {
            var name = $"(the case at line {node.Line})";
            DecisionRequest? request = null;
            PolicyTestExpectation? expect = null;
            if (node is not YMap map) Bad(node, "A case is a mapping with name, request and expect.");
            else
            {
                var entries = Entries(map, CaseKeys);
                if (entries.TryGetValue("name", out var n) && Text(n) is { } text) name = text;
                if (!entries.TryGetValue("name", out _) || !entries.TryGetValue("request", out var req) || !entries.TryGetValue("expect", out var exp))
                    Bad(map, "A case needs `name`, `request` and `expect`.");
                else
                {
                    request = ReadRequest(req);
                    expect = ReadExpect(exp);
                }
            }
            return new PolicyTestCase(file, node.Line, node.Column, name, request, expect, Problems);
        }

        DecisionRequest? ReadRequest(YNode node)
        {
            if (node is not YMap map) { Bad(node, "`request` is a mapping."); return null; }
            var e = Entries(map, RequestKeys);
            var ok = true;
            var typedUser = e.TryGetValue("user", out var u) ? Text(u) : null;
            var resource = e.TryGetValue("resource", out var r) ? Text(r) : null;
            if (typedUser is null || resource is null) { Bad(map, "A request needs `user` and `resource`."); return null; }
            var (user, userError) = RequesterLookup.User(snapshot, typedUser);
            if (userError is not null) { Bad(u!, userError); ok = false; }
            var groups = new List<string>();
            if (e.TryGetValue("groups", out var g))
                foreach (var item in g is YSeq gs ? gs.Items : [g])
                {
                    var t = Text(item);
                    if (t is null) { ok = false; continue; }
                    var (id, error) = RequesterLookup.Group(snapshot, t);
                    if (error is not null) { Bad(item, error); ok = false; continue; }
                    groups.Add(id!);
                }
            TimeSpan? duration = null;
            if (e.TryGetValue("duration", out var d))
            {
                if (DurationText.TryParse(Text(d), out var parsed, out var error)) duration = parsed;
                else { Bad(d, error); ok = false; }
            }
            var at = DefaultAt;
            if (e.TryGetValue("at", out var a))
            {
                if (DateTimeOffset.TryParse(Text(a), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) at = parsed;
                else { Bad(a, "`at` is a date and time like 2026-03-04T11:00:00Z."); ok = false; }
            }
            var incident = false;
            if (e.TryGetValue("incident", out var i))
            {
                if (i is YScalar { Value: "true" or "false" } b) incident = b.Value == "true";
                else { Bad(i, "`incident` is true or false."); ok = false; }
            }
            string? label = null;
            if (e.TryGetValue("incident_label", out var il))
            {
                // A label belongs to an incident: it implies `incident: true` and contradicts `incident: false`.
                label = Text(il);
                if (label is null) ok = false;
                else if (i is YScalar { Value: "false" }) { Bad(il, "`incident_label` names an incident; drop `incident: false`."); ok = false; }
                else incident = true;
            }
            var reason = e.TryGetValue("reason", out var rs) ? Text(rs) : null;
            var channel = e.TryGetValue("channel", out var ch) ? Text(ch) : null;
            if (!ok) return null;
            return new DecisionRequest(new Principal(user!, groups), resource, duration, reason,
                new RequestContext(at, null, channel, incident, IncidentLabel: label));
        }

        PolicyTestExpectation? ReadExpect(YNode node)
        {
            if (node is not YMap map) { Bad(node, "`expect` is a mapping."); return null; }
            var e = Entries(map, ExpectKeys);
            if (!e.TryGetValue("outcome", out var o) || Text(o) is not { } ot || ParseOutcome(ot) is not { } outcome)
            {
                Bad(map, "`expect` needs `outcome`: denied, auto_approved or approval_required.");
                return null;
            }
            TimeSpan? duration = null;
            if (e.TryGetValue("duration", out var d))
            {
                if (DurationText.TryParse(Text(d), out var parsed, out var error)) duration = parsed;
                else { Bad(d, error); return null; }
            }
            string? cappedBy = null;
            var cappedBySet = e.TryGetValue("capped_by", out var cb);
            if (cappedBySet && cb is not YScalar { IsNull: true }) cappedBy = Text(cb!);
            return new PolicyTestExpectation(outcome,
                e.TryGetValue("rules", out var rules) ? List(rules) : null,
                duration, cappedBy, cappedBySet,
                e.TryGetValue("approvers", out var ap) ? List(ap)?.Select(s => s.Contains(" of ") ? s : "1 of " + s).ToArray() : null,
                e.TryGetValue("channel", out var c) ? Text(c) : null,
                e.TryGetValue("fields", out var f) ? List(f) : null,
                e.TryGetValue("explanation", out var x) ? Text(x) : null);
        }

        Dictionary<string, YNode> Entries(YMap map, string[] allowed)
        {
            var result = new Dictionary<string, YNode>(StringComparer.Ordinal);
            foreach (var (k, v) in map.Entries)
            {
                if (Array.IndexOf(allowed, k.Value) < 0)
                    Problems.Add(new PolicyProblem(file, k.Line, k.Column, "unknown-key", $"`{k.Value}` is not known here" +
                        (PolicyParser.Closest(k.Value, allowed) is { } closest ? $"; did you mean `{closest}`?" : ".") + $" Known keys: {string.Join(", ", allowed)}."));
                else if (!result.TryAdd(k.Value, v))
                    Problems.Add(new PolicyProblem(file, k.Line, k.Column, "duplicate-key", $"`{k.Value}` is given twice."));
            }
            return result;
        }

        List<string>? List(YNode node)
        {
            if (node is YScalar { IsNull: true }) return [];
            if (node is YScalar s) return [s.Value];
            if (node is not YSeq seq) { Bad(node, "Expected a list."); return null; }
            var list = new List<string>();
            foreach (var item in seq.Items) if (Text(item) is { } t) list.Add(t);
            return list;
        }

        string? Text(YNode node)
        {
            if (node is YScalar s && !s.IsNull) return s.Value;
            Bad(node, "Expected a text value.");
            return null;
        }

        void Bad(YNode node, string message) => Problems.Add(new PolicyProblem(file, node.Line, node.Column, "bad-test", message));
    }
}
