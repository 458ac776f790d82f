using JitBot.Policies;
using JitBot.Storage;
using Quartz;

namespace JitBot.Hosting;

/// <summary>What <see cref="Readiness"/> found: ready, or one sentence per thing that is not.</summary>
public sealed record ReadinessReport(IReadOnlyList<string> Problems)
{
    public bool Ready => Problems.Count == 0;
}

/// <summary>
/// Whether this replica can do its work right now: the store answers, the scheduler runs, a policy is loaded.
/// <c>GET /readyz</c> answers 200 <c>ready</c>, or 503 with the problems; <c>/healthz</c> only says the process is up.
/// A load balancer should send Slack's requests to ready replicas only.
/// </summary>
public sealed class Readiness(IAccessStore store, ISchedulerFactory schedulers, IPolicySource policies)
{
    public async Task<ReadinessReport> CheckAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        try
        {
            await store.PingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException e)
        {
            problems.Add(e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            problems.Add($"The store cannot be read ({e.GetType().Name}); JitBot tries again on every request and every sweep.");
        }

        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        var status = await scheduler.GetStatus(cancellationToken).ConfigureAwait(false);
        if (status != SchedulerStatus.Running)
            problems.Add($"The scheduler that revokes grants at their expiry is not running ({status}).");

        if (string.IsNullOrEmpty(policies.Current?.Version))
            problems.Add("No policy is loaded.");
        return new ReadinessReport(problems);
    }
}

public static class ReadinessEndpoint
{
    /// <summary>Maps <c>GET /readyz</c>: 200 <c>ready</c>, or 503 with one line per problem.</summary>
    public static IEndpointRouteBuilder MapReadiness(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/readyz", async (Readiness readiness, CancellationToken cancellationToken) =>
        {
            var report = await readiness.CheckAsync(cancellationToken).ConfigureAwait(false);
            return report.Ready
                ? Results.Text("ready")
                : Results.Text(string.Join('\n', report.Problems), statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return endpoints;
    }
}
