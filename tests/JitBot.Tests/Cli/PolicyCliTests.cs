using JitBot.Providers;
using JitBot.Tests.Policies;
using static JitBot.Tests.Cli.CommandLine;

namespace JitBot.Tests.Cli;

public class PolicyCliTests
{
    /// <summary>Runs <c>jitbot policy …</c>.</summary>
    static (int Code, string Out, string Err) Run(params string[] args) => CommandLine.Run(["policy", .. args]);

    [Fact]
    public void Validate_Examples_ExitsZero()
    {
        var (code, output, error) = Run("validate", Policy.ExamplesDir);
        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.StartsWith("The policy is valid: 25 resources", output);
    }

    [Fact]
    public void Validate_BrokenCopy_ExitsOne_WithOneFileLineColLinePerProblem()
    {
        using var broken = TempPolicy.CopyOf(Policy.ExamplesDir);
        var rules = Path.Combine(broken.Dir, "rules", "non-production.yaml");
        File.WriteAllText(rules, File.ReadAllText(rules)
            .Replace("    duration: {default: 4h, max: 8h}", "    duration: {default: 4h, max: 8 fortnights}")
            .Replace("    duration: {default: 2h, max: 8h}\n    auto_approve: true", "    duration: {default: 2h, max: 8h}\n    auto_aprove: true"));
        var resources = Path.Combine(broken.Dir, "resources.yaml");
        File.WriteAllText(resources, File.ReadAllText(resources).Replace("owner-team: security, data-class: confidential", "owner-team: secops, data-class: confidential"));

        var (code, _, error) = Run("validate", broken.Dir);
        Assert.Equal(1, code);
        var lines = Lines(error);
        var dir = broken.Dir.Replace('\\', '/');
        Assert.Equal([
            $"{dir}/resources.yaml:76:5: unknown-team: Resource `siem-admin` is owned by team `secops`, which is not declared under `teams`.",
            $"{dir}/rules/non-production.yaml:7:34: bad-duration: \"8 fortnights\" is not a duration. Use a duration like 30m, 2h, 1h30m, 1d or \"90 minutes\".",
            $"{dir}/rules/non-production.yaml:16:5: unknown-key: `auto_aprove` is not a key of a rule; did you mean `auto_approve`? Known keys: id, effect, description, when, unless, duration, approval, auto_approve, require, message.",
            "The policy is not valid: 3 errors.",
        ], lines);
        Assert.All(lines[..^1], l => Assert.Matches(@"^.+:\d+:\d+: [a-z-]+: .+$", l));
    }

    [Fact]
    public void Test_Examples_RunsEveryCase_AndEndsWithTheSummary()
    {
        var (code, output, _) = Run("test", Policy.ExamplesDir);
        Assert.Equal(0, code);
        var last = Lines(output)[^1];
        Assert.Matches(@"^\d+ passed, 0 failed$", last);
        Assert.True(int.Parse(last.Split(' ')[0]) >= 30);
    }

    [Fact]
    public void Test_AFailingCase_IsNamedWithExpectedAndActual_AndExitsOne()
    {
        using var copy = ExamplesPlus("tests/wrong.test.yaml", """
            cases:
              - name: contractors get payments-db (they do not)
                request: {user: U0CTR0001, resource: payments-db, reason: "INC-1"}
                expect: {outcome: auto_approved, rules: [owners-to-their-production]}
            """);
        var (code, output, _) = Run("test", copy.Dir);
        Assert.Equal(1, code);
        Assert.Contains("FAIL  contractors get payments-db (they do not)", output);
        Assert.Contains("outcome: expected auto_approved, got denied", output);
        Assert.Contains("rules: expected [owners-to-their-production], got [no-contractors-on-restricted]", output);
        Assert.Matches(@"\n\d+ passed, 1 failed\s*$", output);
    }

    [Fact]
    public void Explain_PrintsOutcomeRulesApproversDurationAndWhy()
    {
        var (code, output, _) = Run("explain", Policy.ExamplesDir, "--user", "U0PAY0001", "--resource", "ledger-db",
            "--duration", "3h", "--reason", "close the books", "--at", "2026-03-07T10:00:00Z");
        Assert.Equal(0, code);
        Assert.Contains("Outcome:   approval_required", output);
        Assert.Contains("Why:       Needs approval from", output);
        Assert.Contains("  - finance-out-of-hours (require_approval): requires approval; capped the duration", output);
        Assert.Contains("Approvers: 2 of @payments-oncall and 1 of @finance-security in #payments-access", output);
        Assert.Contains("Duration:  1 hour (requested 3 hours; capped by rule finance-out-of-hours at 1 hour)", output);
        Assert.Contains("Policy:    sha256:", output);
    }

    [Fact]
    public void Explain_AcceptsGroupsByIdOrHandle_AndIncidentFlag()
    {
        var byId = Run("explain", Policy.ExamplesDir, "--user", "U0PLT0001", "--resource", "vault-prod", "--group", "S01PLTONC", "--reason", "x", "--incident");
        var byHandle = Run("explain", Policy.ExamplesDir, "--user", "U0PLT0001", "--resource", "vault-prod", "--group", "@platform-oncall", "--reason", "x", "--incident");
        Assert.Equal(0, byId.Code);
        Assert.Contains("Outcome:   auto_approved", byId.Out);
        Assert.Equal(byId.Out.Split('\n')[0], byHandle.Out.Split('\n')[0]);
    }

    [Fact]
    public void Explain_IncidentLabel_IsSeenByThePolicy()
    {
        var drill = Run("explain", Policy.ExamplesDir, "--user", "U0PLT0001", "--resource", "payments-api-prod", "--reason", "INC-1 drill",
            "--incident-label", "drill-7");
        var real = Run("explain", Policy.ExamplesDir, "--user", "U0PLT0001", "--resource", "payments-api-prod", "--reason", "INC-1 payouts",
            "--incident-label", "INC-1");
        Assert.Contains("Outcome:   denied", drill.Out);
        Assert.Contains("drills-stay-out-of-production", drill.Out);
        Assert.Contains(", incident drill-7", drill.Out);
        Assert.Contains("Outcome:   auto_approved", real.Out);
    }

    [Fact]
    public void Test_AnIncidentLabelWithIncidentFalse_IsAProblem_NotRun()
    {
        using var copy = ExamplesPlus("tests/label.test.yaml", """
            cases:
              - name: a label without an incident
                request: {user: U0PLT0001, resource: payments-api-prod, incident: false, incident_label: INC-1, reason: "INC-1"}
                expect: {outcome: denied}
            """);
        var (code, output, _) = Run("test", copy.Dir);
        Assert.Equal(1, code);
        Assert.Contains("FAIL  a label without an incident", output);
        Assert.Contains("`incident_label` names an incident; drop `incident: false`.", output);
    }

    [Theory]
    [InlineData]
    [InlineData("frobnicate")]
    [InlineData("validate")]
    [InlineData("validate", "a", "b")]
    [InlineData("explain", "examples/policies", "--user", "U1")]
    [InlineData("explain", "examples/policies", "--user", "U1", "--resource", "x", "--duration", "forever")]
    [InlineData("explain", "examples/policies", "--user", "U1", "--resource", "x", "--colour", "blue")]
    public void UsageErrors_ExitTwo(params string[] args)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error);
    }

    [Fact]
    public void Validate_AMissingFolder_IsAUsageError_SayingWhatIsWrong()
    {
        var (code, _, error) = Run("validate", "/no/such/policy/folder");
        Assert.Equal(2, code);
        Assert.StartsWith("error: There is no folder \"/no/such/policy/folder\"", error);
        Assert.DoesNotContain(":1:1", error);
    }

    [Fact]
    public void Validate_AFileGivenAsTheFolder_IsAUsageError_NamingTheFolderThatHoldsIt()
    {
        var (code, _, error) = Run("validate", Path.Combine(Policy.ExamplesDir, "teams.yaml"));
        Assert.Equal(2, code);
        Assert.StartsWith($"error: \"{Path.Combine(Policy.ExamplesDir, "teams.yaml")}\" is a file; give the folder that holds the policy files (\"{Policy.ExamplesDir}\"?)", error);
        Assert.DoesNotContain("does not exist", error);
    }

    [Fact]
    public void Test_ATypoInACase_FailsThatCaseVisibly_AndTheCountsMatchTheFailLines()
    {
        using var copy = ExamplesPlus("tests/typo.test.yaml", """
            cases:
              - name: contractors never get payments-db
                request: {user: U0CTR0001, resource: payments-db, reason: "INC-1"}
                expect: {outcome: denied, rule: [no-contractors-on-restricted]}
            """);
        var (code, output, error) = Run("test", copy.Dir);
        Assert.Equal(1, code);
        Assert.Empty(error);
        Assert.DoesNotContain("ok    contractors never get payments-db", output);
        var lines = Lines(output);
        var fail = Array.IndexOf(lines, $"FAIL  contractors never get payments-db  ({copy.Dir.Replace('\\', '/')}/tests/typo.test.yaml:2:5)");
        Assert.True(fail >= 0, output);
        Assert.Equal("4:31: unknown-key: `rule` is not known here; did you mean `rules`? Known keys: outcome, rules, duration, capped_by, approvers, channel, fields, explanation.", lines[fail + 1]);
        var failLines = lines.Count(l => l.StartsWith("FAIL  ", StringComparison.Ordinal));
        var okLines = lines.Count(l => l.StartsWith("ok    ", StringComparison.Ordinal));
        Assert.Equal($"{okLines} passed, {failLines} failed", lines[^1]);
        Assert.Equal(1, failLines);
    }

    [Fact]
    public void Test_AFileThatIsNotATestFile_IsAFailLine_Counted()
    {
        using var copy = ExamplesPlus("tests/broken.test.yaml", "cases: [\n");
        var (code, output, _) = Run("test", copy.Dir);
        Assert.Equal(1, code);
        var lines = Lines(output);
        Assert.Contains($"FAIL  {copy.Dir.Replace('\\', '/')}/tests/broken.test.yaml  (the file could not be read as policy tests)", lines);
        Assert.Matches(@"^\d+ passed, 1 failed$", lines[^1]);
    }

    [Fact]
    public void Validate_ATabInYaml_ReportsTheSyntaxErrorFirst_AndNothingItCaused()
    {
        using var copy = ExamplesWith("teams.yaml", "    channel: \"#payments-access\"", "\tchannel: \"#payments-access\"");

        var (code, _, error) = Run("validate", copy.Dir);
        Assert.Equal(1, code);
        var lines = Lines(error);
        Assert.Matches(@"/teams\.yaml:4:\d+: bad-yaml: ", lines[0]);
        Assert.Equal("The policy is not valid: 1 error.", lines[1]);
        Assert.StartsWith("Parts of the folder could not be read (above): fix those first.", lines[2]);
        Assert.DoesNotContain("unknown-team", error);
        Assert.DoesNotContain("unknown-group", error);
    }

    [Fact]
    public void Validate_AFileNameWithControlCharacters_IsPrintedEscaped()
    {
        using var copy = ExamplesPlus("te\u001b[2Jams\tx.yaml", "colour: blue\n");
        var (code, _, error) = Run("validate", copy.Dir);
        Assert.Equal(1, code);
        Assert.DoesNotContain('\u001b', error);
        Assert.DoesNotContain('\t', error);
        Assert.Contains("/te\\u001B[2Jams\\tx.yaml:1:1: unknown-key: `colour`", error);
    }

    [Fact]
    public void Validate_AProviderTypeTheBotDoesNotHave_IsAnError()
    {
        using var copy = ExamplesWith("resources.yaml", "provider: {type: record}", "provider: {type: ldap, group: payments}");

        var (code, _, error) = Run("validate", copy.Dir);
        Assert.Equal(1, code);
        Assert.Contains($"resources.yaml:9:22: unknown-provider: `ldap` is not a provider type this JitBot has, so a resource with it could never be granted. Provider types: {string.Join(", ", ProviderTypes.All.Select(t => t.Name))}.", error);
    }
}
