using System.Diagnostics;
using JitBot.Policies;
using JitBot.Policies.Diff;
using JitBot.TestSupport.Policies;

namespace JitBot.Benchmarks;

/// <summary>
/// <c>policy diff</c> on the full-size policy (10,000 rules × 100,000 resources × 5,000 people) against copies of it
/// with typical pull-request changes, in memory (loading from files is measured by <c>load</c>).
/// </summary>
static class DiffBench
{
    public static int Run(int runs, int cases = int.MaxValue)
    {
        var watch = Stopwatch.StartNew();
        var model = FullPolicy.Model();
        var before = FullPolicy.Compile(model);
        Console.WriteLine($"Generated and compiled the base policy in {watch.Elapsed.TotalSeconds:0.0} s");
        var at = new DateTimeOffset(2026, 3, 4, 12, 0, 0, TimeSpan.Zero);

        (string Name, Func<PolicyModel, PolicyModel> Change)[] all =
        [
            ("identical", m => m),
            ("one scoped rule's maximum", m => Edit(m, x => x.Rules[500] = x.Rules[500] with { MaxDuration = TimeSpan.FromMinutes(30) })),
            ("one person's tags", m => Edit(m, x => x.People[10] = x.People[10] with { Tags = new Dictionary<string, string[]>(x.People[10].Tags) { ["employment"] = ["contractor"] } })),
            ("20 rules, 5 people, 10 resources", m => Edit(m, x =>
            {
                for (var i = 0; i < 20; i++) x.Rules[300 + i * 97] = x.Rules[300 + i * 97] with { MaxDuration = TimeSpan.FromMinutes(45) };
                for (var i = 0; i < 5; i++) x.People[i * 503] = x.People[i * 503] with { Tags = new Dictionary<string, string[]>(x.People[i * 503].Tags) { ["clearance"] = ["restricted"] } };
                for (var i = 0; i < 10; i++) x.Resources.RemoveAt(1000 + i * 7001);
            })),
            ("a broad rule (contractors × restricted data) removed", m => Edit(m, x => x.Rules.RemoveAt(0))),
        ];
        foreach (var (name, change) in all.Take(cases))
        {
            var after = FullPolicy.Compile(change(model));
            for (var run = 0; run < runs; run++)
            {
                GC.Collect();
                watch.Restart();
                var diff = PolicyDiff.Compare(before, after, at);
                Console.WriteLine($"{name,-55} run {run + 1}: {watch.Elapsed.TotalSeconds,7:0.00} s, {diff.Decisions,13:N0} decisions, " +
                                  $"{diff.ChangedPairs:N0} changes on {diff.ChangedResources:N0} resources");
            }
        }
        return 0;
    }

    /// <summary>A copy of the model (lists copied, specs shared) with an edit.</summary>
    static PolicyModel Edit(PolicyModel m, Action<PolicyModel> edit)
    {
        var copy = new PolicyModel { Settings = m.Settings, SettingsAt = m.SettingsAt, Version = m.Version.Replace('0', '1') };
        copy.Teams.AddRange(m.Teams);
        copy.Groups.AddRange(m.Groups);
        copy.People.AddRange(m.People);
        copy.Resources.AddRange(m.Resources);
        copy.Rules.AddRange(m.Rules);
        edit(copy);
        return copy;
    }
}
