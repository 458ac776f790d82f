namespace JitBot.Tests.Fakes;

/// <summary>
/// The setting the grant tests share: a <see cref="CoreHarness"/> whose policy auto-approves <c>staging-db</c> for
/// an hour, disposed after each test.
/// </summary>
public abstract class StagingDbTests : IAsyncLifetime
{
    protected static readonly TimeSpan OneHour = TimeSpan.FromHours(1);
    protected readonly CoreHarness h = new();
    protected static CancellationToken Ct => CancellationToken.None;

    public virtual Task InitializeAsync()
    {
        h.Policy.AutoApprove("staging-db", OneHour);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();
}
