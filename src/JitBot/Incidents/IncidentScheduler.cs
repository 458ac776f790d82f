using Quartz;

namespace JitBot.Incidents;

/// <summary>Schedules the end of an incident at its maximum length.</summary>
public interface IIncidentScheduler
{
    Task ScheduleEndAsync(IncidentId id, DateTimeOffset at, CancellationToken cancellationToken);
}

/// <summary>Fires at an incident's maximum length (<c>incident-end-{id}</c> in group <c>incidents</c>) and ends it.</summary>
public sealed class EndIncidentJob(IncidentEnder ender) : IJob
{
    public const string Group = "incidents";
    public const string IncidentIdKey = "incidentId";

    public static JobKey KeyFor(IncidentId id) => new($"incident-end-{id}", Group);
    public static TriggerKey TriggerKeyFor(IncidentId id) => new($"incident-end-{id}", Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var id = context.MergedJobDataMap.GetString(IncidentIdKey);
        if (string.IsNullOrEmpty(id)) return;
        await ender.EndDueAsync(new IncidentId(id), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The Quartz implementation; a trigger missed while the bot was down fires at once (and the sweep covers a lost one).</summary>
public sealed class QuartzIncidentScheduler(ISchedulerFactory factory) : IIncidentScheduler
{
    public Task ScheduleEndAsync(IncidentId id, DateTimeOffset at, CancellationToken cancellationToken) =>
        Grants.OneShotJobs.ScheduleAsync<EndIncidentJob>(factory, EndIncidentJob.KeyFor(id), EndIncidentJob.TriggerKeyFor(id), EndIncidentJob.IncidentIdKey, id.Value, at, cancellationToken);
}
