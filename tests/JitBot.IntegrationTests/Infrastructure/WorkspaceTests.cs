using JitBot.IntegrationTests.EndToEnd;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// A test class each of whose tests runs in a workspace of its own (xUnit makes an instance per test): started before
/// the test by <see cref="StartWorkspaceAsync"/> (the example policies on LiteDB unless a class says otherwise), and
/// after it the fake Slack must have seen no call that broke Slack's rules (<see cref="AssertNoSlackProblems"/>) and
/// the workspace is stopped, whether that check passed or not. A class with more to set up or tear down overrides
/// <see cref="StartWorkspaceAsync"/> or <see cref="DisposeAsync"/> (calling the base).
/// </summary>
public abstract class WorkspaceTests : IAsyncLifetime
{
    /// <summary>The test's workspace.</summary>
    protected Workspace w = null!;

    /// <summary>Starts the test's workspace.</summary>
    protected virtual Task<Workspace> StartWorkspaceAsync() => Workspace.StartAsync();

    /// <summary>Whether the test fails when the fake Slack saw problems (<see cref="FakeSlack.AssertNoProblems"/>).</summary>
    protected virtual bool AssertNoSlackProblems => true;

    public async Task InitializeAsync() => w = await StartWorkspaceAsync();

    public virtual async Task DisposeAsync()
    {
        try
        {
            if (AssertNoSlackProblems) w.Slack.AssertNoProblems();
        }
        finally
        {
            await w.DisposeAsync();
        }
    }
}
