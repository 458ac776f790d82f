using JitBot.Policies;
using JitBot.Storage;
using Microsoft.Extensions.Options;
using Quartz;

namespace JitBot.Hosting;

/// <summary>
/// What <see cref="Readiness"/> found: ready, or one sentence per thing that is not. <see cref="Notes"/> are problems
/// that do not count against readiness (Slack, when <see cref="HealthOptions.ReadyRequiresSlack"/> is off).
/// </summary>
public sealed record ReadinessReport(IReadOnlyList<string> Problems, IReadOnlyList<string>? Notes = null)
{
    public bool Ready => Problems.Count == 0;
}

/// <summary>The settings under <c>Health</c>.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>
    /// Whether Slack not answering <c>auth.test</c> makes <c>/readyz</c> fail (default true). Off, the problem is
    /// still named in the answer, which stays 200: for deployments whose other callers (the check API, the key set)
    /// must keep a replica in the load balancer through a Slack outage.
    /// </summary>
    public bool ReadyRequiresSlack { get; set; } = true;
}

/// <summary>
/// Whether this replica can do its work right now: the store answers, the scheduler runs, a policy is loaded, and
/// Slack answers (<see cref="SlackReachability"/>: a cached <c>auth.test</c>, never more than a short wait).
/// <c>GET /readyz</c> answers 200 <c>ready</c>, or 503 with the problems; <c>/healthz</c> only says the process is up.
/// A load balancer should send Slack's requests to ready replicas only (docs/operations.md).
/// </summary>
public sealed class Readiness(IAccessStore store, ISchedulerFactory schedulers, IPolicySource policies,
    SlackReachability? slack = null, IOptions<HealthOptions>? health = null)
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

        var notes = new List<string>();
        if (slack is not null && await slack.ProblemAsync(cancellationToken).ConfigureAwait(false) is { } slackProblem)
            (health?.Value.ReadyRequiresSlack == false ? notes : problems).Add(slackProblem);
        return new ReadinessReport(problems, notes);
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
                ? Results.Text(string.Join('\n', ["ready", .. report.Notes ?? []]))
                : Results.Text(string.Join('\n', report.Problems), statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return endpoints;
    }
}
