using JitBot.Policies;
using JitBot.TestSupport.Policies;

namespace JitBot.Tests.Policies;

public class ParallelCompileTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(7)]
    public void ParallelCompile_GivesTheSameProblemsAndDecisionsAsOneThread(int threads)
    {
        var (sequential, sequentialProblems) = Compile(Generate(), 1);
        var (parallel, parallelProblems) = Compile(Generate(), threads);

        Assert.NotEmpty(sequentialProblems);
        Assert.Equal(sequentialProblems.Select(p => p.ToString()), parallelProblems.Select(p => p.ToString()));
        var compared = 0;
        foreach (var request in PolicyGenerator.Requests(Generate(), 5_000, seed: 5))
        {
            Assert.Equal(Describe(sequential.Decide(request)), Describe(parallel.Decide(request)));
            compared++;
        }
        Assert.Equal(5_000, compared);
    }

    [Fact]
    public void ParallelCompile_OfAValidPolicy_LoadsLikeOneThread()
    {
        var model = new PolicyGenerator(rules: 200, resources: 3000, people: 100, seed: 9).Generate();
        var one = PolicyLoader.Compile(new PolicyGenerator(rules: 200, resources: 3000, people: 100, seed: 9).Generate());
        var (parallel, problems) = Compile(model, 4);

        Assert.NotNull(one.Snapshot);
        Assert.DoesNotContain(problems, p => p.IsError);
        foreach (var request in PolicyGenerator.Requests(model, 2_000, seed: 3))
            Assert.Equal(Describe(one.Snapshot!.Decide(request)), Describe(parallel.Decide(request)));
    }

    /// <summary>A generated policy large enough to be split into ranges, with duplicate ids and an unknown team added.</summary>
    static PolicyModel Generate()
    {
        var model = new PolicyGenerator(rules: 400, resources: 6000, people: 300, seed: 21).Generate();
        model.Resources.Add(model.Resources[10]);
        var moved = model.Resources[4000];
        model.Resources.Add(moved with { Tags = new Dictionary<string, string>(moved.Tags) { [PolicyModel.OwnerTeamTag] = "no-such-team" } });
        model.Rules.Add(model.Rules[5]);
        return model;
    }

    static (PolicySnapshot Snapshot, List<PolicyProblem> Problems) Compile(PolicyModel model, int threads)
    {
        var problems = new List<PolicyProblem>();
        var snapshot = PolicyCompiler.Compile(model, problems, threads);
        return (snapshot, problems);
    }

    static string Describe(Decision d) =>
        $"{d.Outcome}|{string.Join(",", d.Rules.Select(r => $"{r.RuleId}:{r.Role}"))}|{d.Duration}|" +
        $"{d.Approval?.Channel}:{string.Join(",", d.Approval?.Requirements.Select(q => $"{q.Approvers.Name}x{q.Count}") ?? [])}:{d.Approval?.Timeout}|" +
        $"{string.Join(",", d.FieldProblems)}|{d.Explanation}|{d.PolicyVersion}|{d.Resource?.Id}";
}
