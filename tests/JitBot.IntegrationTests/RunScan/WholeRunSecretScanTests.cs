using JitBot.TestSupport.Secrets;

namespace JitBot.IntegrationTests.RunScan;

/// <summary>
/// A test that runs after a whole collected test run (<c>.ci/run</c>: first <c>dotnet test JitBot.sln</c> with
/// <see cref="RunCollection.Variable"/> set, then this test with <see cref="WholeRunFactAttribute.Variable"/> naming the
/// same folder); skipped in any other run. See docs/testing.md.
/// </summary>
public sealed class WholeRunFactAttribute : FactAttribute
{
    public const string Variable = "JITBOT_TEST_SCAN";

    public WholeRunFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
            Skip = $"Scans what a whole test run collected; .ci/run runs it with {Variable} set, after the run.";
    }
}

public sealed class WholeRunSecretScanTests
{
    [WholeRunFact]
    public void NoSecretOfTheRun_AppearsInAnyLogLineOrAuditRecordOfIt()
    {
        var report = new RunCollection(Environment.GetEnvironmentVariable(WholeRunFactAttribute.Variable)!).Scan();

        // The scan proves something only if it saw the run: enough hosts, processes and records, and every kind of secret.
        Assert.Empty(report.Gaps());
        Assert.Empty(report.Findings.Select(f => f.ToString()));
    }
}
