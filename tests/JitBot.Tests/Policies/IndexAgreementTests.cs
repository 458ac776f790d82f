using JitBot.Policies;
using JitBot.TestSupport.Policies;

namespace JitBot.Tests.Policies;

public class IndexAgreementTests
{
    [Fact]
    public void IndexedEngine_AgreesWithPlainRuleByRuleEvaluation_On10000RandomRequests()
    {
        var model = new PolicyGenerator(rules: 300, resources: 1500, people: 300, seed: 7).Generate();
        var result = PolicyLoader.Compile(model);
        Assert.True(result.Snapshot is not null, string.Join("\n", result.Problems.Where(p => p.IsError).Take(5)));
        var indexed = result.Snapshot!;
        var plain = new PlainEvaluator(indexed.Catalog);

        var outcomes = new Dictionary<DecisionOutcome, int>();
        var compared = 0;
        foreach (var request in PolicyGenerator.Requests(model, 10_000, seed: 11))
        {
            var a = indexed.Decide(request);
            var b = plain.Decide(request);
            Assert.Equal(Describe(b), Describe(a));
            outcomes[a.Outcome] = outcomes.GetValueOrDefault(a.Outcome) + 1;
            compared++;
        }
        Assert.Equal(10_000, compared);
        // The generated requests exercise every outcome, so agreement is not agreement on "denied" only.
        Assert.All(Enum.GetValues<DecisionOutcome>(), o => Assert.True(outcomes.GetValueOrDefault(o) > 100, $"{o}: {outcomes.GetValueOrDefault(o)}"));
    }

    static string Describe(Decision d) =>
        $"{d.Outcome}|{string.Join(",", d.Rules.Select(r => $"{r.RuleId}:{r.Role}"))}|{d.Duration}|" +
        $"{d.Approval?.Channel}:{string.Join(",", d.Approval?.Requirements.Select(q => $"{q.Approvers.Name}x{q.Count}") ?? [])}:{d.Approval?.Timeout}|" +
        $"{string.Join(",", d.FieldProblems)}|{d.Explanation}|{d.PolicyVersion}";
}
