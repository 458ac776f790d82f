using System.Text;
using JitBot.Policies;
using JitBot.TestSupport.Policies;

namespace JitBot.Tests.Policies;

public class JsonPolicyTests
{
    static string Describe(Decision d) =>
        $"{d.Outcome}|{string.Join(",", d.Rules.Select(r => $"{r.RuleId}:{r.Role}"))}|{d.Duration}|" +
        $"{d.Approval?.Channel}:{string.Join(",", d.Approval?.Requirements.Select(q => $"{q.Approvers.Name}x{q.Count}") ?? [])}:{d.Approval?.Timeout}|" +
        $"{string.Join(",", d.FieldProblems)}|{d.Explanation}";

    static PolicyLoadResult LoadJson(string json, PolicyLimits? limits = null, string file = "catalog.json")
    {
        using var t = new TempPolicy();
        File.WriteAllBytes(Path.Combine(t.Dir, file), Encoding.UTF8.GetBytes(json));
        return PolicyLoader.Load(t.Dir, limits ?? PolicyLimits.Default);
    }

    static string Errors(PolicyLoadResult r) => string.Join("\n", r.Problems.Where(p => p.IsError).Take(5));

    [Fact]
    public void JsonCatalog_GivesTheSameDecisionsAsTheSameCatalogInYaml()
    {
        var model = new PolicyGenerator(rules: 200, resources: 1000, people: 200, seed: 3).Generate();
        using var yaml = new TempPolicy();
        using var json = new TempPolicy();
        PolicyWriter.Write(model, yaml.Dir);
        PolicyWriter.Write(model, json.Dir, jsonCatalog: true);
        Assert.Contains(Directory.EnumerateFiles(json.Dir), f => f.EndsWith("resources-00.json", StringComparison.Ordinal));
        Assert.DoesNotContain(Directory.EnumerateFiles(json.Dir), f => f.Contains("resources-00.yaml", StringComparison.Ordinal));

        var fromYaml = yaml.Load();
        var fromJson = json.Load();
        Assert.True(fromYaml.Snapshot is not null, Errors(fromYaml));
        Assert.True(fromJson.Snapshot is not null, Errors(fromJson));
        Assert.Equal(model.Resources.Count, fromJson.Snapshot!.ResourceIds.Count);
        Assert.Equal(fromYaml.Problems.Select(p => (p.Code, p.Message)), fromJson.Problems.Select(p => (p.Code, p.Message)));

        var outcomes = new HashSet<DecisionOutcome>();
        foreach (var request in PolicyGenerator.Requests(model, 3000, seed: 9))
        {
            var a = fromYaml.Snapshot!.Decide(request);
            var b = fromJson.Snapshot.Decide(request);
            Assert.Equal(Describe(a), Describe(b));
            outcomes.Add(a.Outcome);
        }
        Assert.Equal(3, outcomes.Count);
    }

    [Fact]
    public void SameCatalogAsJsonOrYaml_GivesTheSameProblems_AtTheirOwnPlaces()
    {
        const string yaml = """
            teams:
              - {id: payments, channel: "#payments", approvers: {group: "@payments-oncall"}, colour: blue}
            resources:
              - {id: payments-db, tags: {owner-team: nobody, env: production}}
              - {id: Payments_DB, tags: {owner-team: payments}}
              - {id: 42, tags: [a]}
            rules:
              - {id: r1, effect: allow, when: {resource: {env: production}}, duration: {max: 3 fortnights}}
            """;
        const string json = """
            {
              "teams": [
                {"id": "payments", "channel": "#payments", "approvers": {"group": "@payments-oncall"}, "colour": "blue"}
              ],
              "resources": [
                {"id": "payments-db", "tags": {"owner-team": "nobody", "env": "production"}},
                {"id": "Payments_DB", "tags": {"owner-team": "payments"}},
                {"id": 42, "tags": ["a"]}
              ],
              "rules": [
                {"id": "r1", "effect": "allow", "when": {"resource": {"env": "production"}}, "duration": {"max": "3 fortnights"}}
              ]
            }
            """;
        using var y = new TempPolicy(("policy.yaml", yaml));
        using var j = new TempPolicy(("policy.json", json));
        var fromYaml = y.Load().Problems;
        var fromJson = j.Load().Problems;
        Assert.NotEmpty(fromYaml);
        Assert.Equal(fromYaml.Select(p => (p.Code, p.Message)).Order(), fromJson.Select(p => (p.Code, p.Message)).Order());
        Assert.All(fromJson, p => Assert.Equal("policy.json", p.File));

        // Each problem points at the key or value it is about, counted in the JSON text.
        var lines = json.Split('\n');
        (string, int, int) At(string code, int line, string text) => (code, line, lines[line - 1].IndexOf(text, StringComparison.Ordinal) + 1);
        Assert.Contains(At("unknown-key", 3, "\"colour\""), fromJson.Select(p => (p.Code, p.Line, p.Column)));
        Assert.Contains(At("unknown-team", 6, "{"), fromJson.Select(p => (p.Code, p.Line, p.Column)));
        Assert.Contains(At("bad-value", 7, "\"Payments_DB\""), fromJson.Select(p => (p.Code, p.Line, p.Column)));
        Assert.Contains(At("bad-duration", 11, "\"3 fortnights\""), fromJson.Select(p => (p.Code, p.Line, p.Column)));
    }

    [Fact]
    public void JsonNumbersAndBooleans_MeanWhatTheyMeanInYaml_AndQuotedOnesStayText()
    {
        const string rules = """
            {"rules": [
              {"id": "two", "effect": "require_approval", "when": {"resource": {"env": "production"}}, "approval": {"count": 2}},
              {"id": "auto", "effect": "allow", "when": {"resource": {"env": "dev"}}, "auto_approve": true, "require": {"reason": false}},
              {"id": "quoted", "effect": "allow", "when": {"resource": {"env": "production"}}, "auto_approve": "true"}
            ]}
            """;
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.json", rules));
        var problems = t.Load().Problems;
        var p = Assert.Single(problems, p => p.IsError);
        var line = rules.Split('\n')[3];
        Assert.Equal(("rules.json", 4, line.IndexOf("\"true\"", StringComparison.Ordinal) + 1, "bad-type"), (p.File, p.Line, p.Column, p.Code));
    }

    [Fact]
    public void ColumnsCountCharacters_NotBytes_AndLongLinesAreFine()
    {
        // One line (as a minified export is), with multi-byte characters before the problem.
        var json = "{\"teams\": [{\"id\": \"zürich-ops\", \"description\": \"Zürich — ops ✓\", \"channel\": \"#zh\", \"approvers\": {\"group\": \"@zh\"}, \"bogus\": 1}]}";
        var p = Assert.Single(LoadJson(json).Problems, p => p.Code == "unknown-key");
        Assert.Equal((1, json.IndexOf("\"bogus\"", StringComparison.Ordinal) + 1), (p.Line, p.Column));
    }

    [Fact]
    public void MalformedJson_IsABadYamlProblemAtItsPlace()
    {
        var p = Assert.Single(LoadJson("{\n  \"teams\": [\n    {\"id\": \"a\",, \"channel\": \"#a\"}\n  ]\n}\n").Problems);
        Assert.Equal(("catalog.json", 3, 16, "bad-yaml"), (p.File, p.Line, p.Column, p.Code));
        Assert.StartsWith("The JSON is malformed: ", p.Message);
        Assert.DoesNotContain("LineNumber", p.Message);
    }

    [Theory]
    [InlineData("{\"teams\": [] /* a comment */}")]
    [InlineData("{\"teams\": [],}")]
    [InlineData("{\"teams\": []} {\"rules\": []}")]
    [InlineData("{'teams': []}")]
    [InlineData("[1, 2")]
    [InlineData("{\"teams\": [{\"id\": \"a\"")]
    [InlineData("\"unterminated")]
    public void NotStrictJson_IsRefusedWithAProblem(string json)
    {
        var result = LoadJson(json);
        Assert.Null(result.Snapshot);
        Assert.Equal("bad-yaml", Assert.Single(result.Problems).Code);
    }

    [Fact]
    public void TruncatedJson_AtEveryPoint_GivesProblems_NeverThrows()
    {
        var full = Encoding.UTF8.GetBytes("""
            {"teams": [{"id": "pay", "channel": "#pay", "approvers": {"users": ["U0AAA0001"]}}],
             "resources": [{"id": "db", "description": "Zürich \u00e9 \"db\"", "tags": {"owner-team": "pay", "env": "production"}}],
             "rules": [{"id": "r", "effect": "allow", "when": {"resource": {"env": "production"}}, "approval": {"count": 1}}]}
            """);
        using var t = new TempPolicy();
        var path = Path.Combine(t.Dir, "p.json");
        File.WriteAllBytes(path, full);
        Assert.NotNull(t.Load().Snapshot);
        for (var cut = 1; cut < full.Length - 1; cut++)
        {
            File.WriteAllBytes(path, full[..cut]);
            var result = t.Load();
            Assert.Null(result.Snapshot);
            Assert.Contains(result.Problems, p => p.IsError && p.Line >= 1 && p.Column >= 1);
        }
    }

    [Fact]
    public void DeeplyNestedJson_IsTooDeep()
    {
        var p = Assert.Single(LoadJson("{\"rules\": " + new string('[', 100_000) + new string(']', 100_000) + "}").Problems);
        Assert.Equal(("too-deep", 1, 10 + PolicyLimits.Default.MaxDepth), (p.Code, p.Line, p.Column));
    }

    [Fact]
    public void JsonOverTheFileSizeLimit_IsRefusedWithoutBeingParsed()
    {
        using var t = new TempPolicy();
        using (var f = File.Create(Path.Combine(t.Dir, "huge.json"))) f.SetLength(50L * 1024 * 1024);
        var p = Assert.Single(t.Load().Problems);
        Assert.Equal(("huge.json", "too-large"), (p.File, p.Code));
    }

    [Fact]
    public void JsonWithTooManyNodes_IsTooLarge()
    {
        var json = "{\"people\": [" + string.Join(",", Enumerable.Range(0, 500).Select(i => $"{{\"slack\": \"U{i:D8}\"}}")) + "]}";
        var result = LoadJson(json, PolicyLimits.Default with { MaxNodesPerFile = 1000 });
        Assert.Null(result.Snapshot);
        Assert.Equal("too-large", Assert.Single(result.Problems).Code);
    }

    [Fact]
    public void JsonTextOverTheLengthLimit_IsTooLarge_EvenWhenEscaped()
    {
        var limits = PolicyLimits.Default with { MaxScalarLength = 100 };
        Assert.Equal("too-large", Assert.Single(LoadJson($"{{\"teams\": [{{\"id\": \"{new string('a', 101)}\"}}]}}", limits).Problems).Code);
        Assert.Equal("too-large", Assert.Single(LoadJson($"{{\"teams\": [{{\"id\": \"{string.Concat(Enumerable.Repeat("\\u0061", 101))}\"}}]}}", limits).Problems).Code);
        Assert.Equal("too-large", Assert.Single(LoadJson($"{{\"teams\": [{{\"count\": {new string('9', 101)}}}]}}", limits).Problems).Code);
    }

    [Fact]
    public void EscapedJsonText_IsReadAsItsCharacters()
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("extra.json", """
            {"resources": [{"id": "esc\u0061ped", "description": "Tab\there \"quoted\"", "tags": {"owner-team": "pay\u006dents", "env": "dev"}}]}
            """));
        var result = t.Load();
        Assert.True(result.Snapshot is not null, Errors(result));
        var r = result.Snapshot!.Catalog.Resources["escaped"];
        Assert.Equal(("Tab\there \"quoted\"", "payments"), (r.Description, r.OwnerTeam));
    }

    [Fact]
    public void BinaryGarbageOrNonUtf8Json_IsAClearProblem()
    {
        using var t = new TempPolicy();
        var bytes = new byte[4096];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(t.Dir, "garbage.json"), bytes);
        var p = Assert.Single(t.Load().Problems);
        Assert.Equal(("garbage.json", "bad-yaml"), (p.File, p.Code));

        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var ascii = new byte[random.Next(1, 300)];
            for (var i = 0; i < ascii.Length; i++) ascii[i] = (byte)"{}[]\":,0123456789.eE-+truefalsnl \n\\\"abc"[random.Next(38)];
            File.WriteAllBytes(Path.Combine(t.Dir, "garbage.json"), ascii);
            var result = t.Load();
            Assert.All(result.Problems, q => Assert.True(q.Line >= 1 && q.Column >= 1));
        }
    }

    [Fact]
    public void JsonFiles_AreInTheVersion_AndJsonTestFilesAreNotPolicy()
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.json", """{"rules": [{"id": "r", "effect": "deny"}]}"""));
        var first = t.Load();
        Assert.True(first.Snapshot is not null, Errors(first));
        t.Write("rules.test.json", """{"cases": []}""");
        Assert.Equal(first.Snapshot!.Version, t.Load().Snapshot!.Version);
        t.Write("rules.json", """{"rules": [{"id": "r2", "effect": "deny"}]}""");
        Assert.NotEqual(first.Snapshot.Version, t.Load().Snapshot!.Version);
    }

    [Fact]
    public void JsonTestFiles_AreReadAsPolicyTests()
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog),
            ("rules.yaml", "rules:\n  - {id: dev, effect: allow, when: {resource: {env: dev}}, auto_approve: true}"),
            ("dev.test.json", """{"cases": [{"name": "dev from json", "request": {"user": "U0PAY0001", "resource": "payments-dev"}, "expect": {"outcome": "auto_approved", "rules": ["dev"]}}]}"""));
        var snapshot = t.Load().Snapshot;
        Assert.NotNull(snapshot);
        var (cases, problems) = JitBot.Cli.PolicyTestRunner.ReadCases(t.Dir, snapshot!);
        Assert.Empty(problems);
        var test = Assert.Single(cases);
        Assert.Empty(JitBot.Cli.PolicyTestRunner.Run(snapshot!, test).Failures);
    }

    [Fact]
    public void EmptyJsonFile_IsAnEmptyPolicyFile_AndTopLevelMustBeAMapping()
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("empty.json", "  \n"), ("rules.yaml", "rules: []"));
        Assert.NotNull(t.Load().Snapshot);
        Assert.Equal("bad-type", Assert.Single(LoadJson("[1, 2]").Problems).Code);
    }
}
