using System.Diagnostics;
using System.Text;
using JitBot.Policies;

namespace JitBot.Tests.Policies;

public class HostileInputTests
{
    static PolicyProblem OnlyProblem(string yaml, string file = "bad.yaml")
    {
        using var t = new TempPolicy((file, yaml));
        var result = t.Load();
        Assert.Null(result.Snapshot);
        return Assert.Single(result.Problems, p => p.IsError);
    }

    [Fact]
    public void MalformedYaml_IsAProblemWithItsPlace()
    {
        var p = OnlyProblem("teams:\n  - id: a\n    channel: \"#a\n  - oops: [\n");
        Assert.Equal("bad-yaml", p.Code);
        Assert.True(p.Line >= 2);
    }

    [Fact]
    public void ATabInOneFile_IsReportedFirst_AndNothingItCausedInOtherFiles()
    {
        using var t = TempPolicy.CopyOf(Policy.ExamplesDir);
        var teams = Path.Combine(t.Dir, "teams.yaml");
        File.WriteAllText(teams, File.ReadAllText(teams).Replace("    channel: \"#payments-access\"", "\tchannel: \"#payments-access\""));
        t.Write("rules/typo.yaml", "rules:\n  - {id: typo, effect: allow, colour: blue}\n");

        var result = t.Load();

        Assert.Null(result.Snapshot);
        Assert.True(result.PartlyRead);
        Assert.Equal([("teams.yaml", "bad-yaml"), ("rules/typo.yaml", "unknown-key")], result.Problems.Select(p => (p.File, p.Code)));
    }

    [Fact]
    public void BillionLaughs_AliasesAreRefused_WithoutExpanding()
    {
        var yaml = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 1; i < 12; i++)
            yaml.Append($"{(char)('a' + i)}: &{(char)('a' + i)} [{string.Join(",", Enumerable.Repeat("*" + (char)('a' + i - 1), 9))}]\n");
        using var t = new TempPolicy(("laughs.yaml", yaml.ToString()));
        var result = t.Load();
        Assert.Null(result.Snapshot);
        Assert.Contains(result.Problems, p => p.Code == "yaml-alias");
    }

    [Fact]
    public void DeepNesting_IsRefused()
    {
        var p = OnlyProblem("rules: " + new string('[', 100_000) + new string(']', 100_000));
        Assert.Equal("too-deep", p.Code);
    }

    [Fact]
    public void A50MegabyteFile_IsRefusedWithoutBeingParsed()
    {
        using var t = new TempPolicy();
        using (var f = File.Create(Path.Combine(t.Dir, "huge.yaml"))) f.SetLength(50L * 1024 * 1024);
        var p = Assert.Single(t.Load().Problems);
        Assert.Equal(("huge.yaml", "too-large"), (p.File, p.Code));
    }

    [Fact]
    public void BinaryGarbage_IsAClearProblem()
    {
        using var t = new TempPolicy();
        var bytes = new byte[4096];
        new Random(3).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(t.Dir, "garbage.yaml"), bytes);
        var result = t.Load();
        Assert.Null(result.Snapshot);
        Assert.Contains(result.Problems, p => p.Code == "bad-yaml");
    }

    [Fact]
    public void HugeStrings_AreRefused()
    {
        var p = OnlyProblem("teams:\n  - id: " + new string('x', 100_000) + "\n");
        Assert.Equal("too-large", p.Code);
    }

    [Fact]
    public void MutatedExamples_AlwaysGiveASnapshotOrProblems_NeverThrow()
    {
        var originals = Directory.EnumerateFiles(Policy.ExamplesDir, "*.yaml", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".test.yaml", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(Policy.ExamplesDir, f), File.ReadAllText);
        var random = new Random(20260322);
        var mutations = new Func<string, Random, string>[]
        {
            (s, r) => s[..r.Next(s.Length)],                                                   // truncation
            (s, r) => FlipBytes(s, r),                                                           // byte flips
            (s, r) => s.Replace("effect: allow", "effect: [allow]"),                            // swapped types
            (s, r) => s.Replace("{", "[").Replace("}", "]"),                                    // mappings become lists
            (s, r) => DeleteLine(s, r),                                                          // deleted keys
            (s, r) => s + "\n" + s,                                                              // duplicated blocks
            (s, r) => s.Insert(r.Next(s.Length), new string('z', r.Next(10, 40_000))),          // huge strings
            (s, r) => "base: &b {x: 1}\n" + s.Replace("tags: {", "tags: {<<: *b, "),             // anchors and aliases
            (s, r) => s.Replace("1h", "-1h").Replace("4h", "9999999h").Replace("2h", "0m"),    // bad durations
            (s, r) => s.Replace("\"^inc-\"", "\"(unclosed\"").Replace("INC-[0-9]+", "[z-a]"),  // bad regexes
            (s, r) => s.Replace("Europe/London", "Mars/Olympus").Replace("09:00-18:00", "25:00-99:00"),
            (s, r) => s.Replace("owner-team: payments", "owner-team: nobody"),                 // unknown references
            (s, r) => string.Concat(Enumerable.Repeat("- ", r.Next(1, 200))) + s,               // structure noise
        };
        var stopwatch = Stopwatch.StartNew();
        var loads = 0;
        for (var round = 0; round < 150; round++)
        {
            using var t = new TempPolicy();
            foreach (var (file, text) in originals)
            {
                var mutated = text;
                if (random.Next(3) == 0)
                    for (var k = random.Next(1, 3); k > 0; k--) mutated = mutations[random.Next(mutations.Length)](mutated, random);
                t.Write(file, mutated);
            }
            var result = t.Load();
            Assert.True(result.Snapshot is not null || result.Problems.Any(p => p.IsError));
            Assert.All(result.Problems, p => Assert.True(p.Line >= 1 && p.Column >= 1 && p.Code.Length > 0 && p.Message.Length > 0));
            if (result.Snapshot is { } s)
                s.Decide(Policy.Request("U0PAY0001", "payments-db", "1h", "INC-1"));
            loads++;
        }
        Assert.Equal(150, loads);
        _ = stopwatch.Elapsed; // no timing assertion: a hang would fail the run, not this line
    }

    static string FlipBytes(string s, Random r)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        for (var i = 0; i < 8 && bytes.Length > 0; i++) bytes[r.Next(bytes.Length)] ^= (byte)(1 << r.Next(8));
        return Encoding.UTF8.GetString(bytes);
    }

    static string DeleteLine(string s, Random r)
    {
        var lines = s.Split('\n').ToList();
        if (lines.Count > 1) lines.RemoveAt(r.Next(lines.Count));
        return string.Join('\n', lines);
    }
}
