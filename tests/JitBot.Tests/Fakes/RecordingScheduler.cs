using System.Collections.Concurrent;
using JitBot.Grants;
using JitBot.Requests;

namespace JitBot.Tests.Fakes;

/// <summary>An <see cref="IGrantScheduler"/> that remembers what would fire when.</summary>
public sealed class RecordingScheduler : IGrantScheduler, JitBot.Incidents.IIncidentScheduler, IApprovalStepScheduler
{
    public ConcurrentDictionary<RequestId, DateTimeOffset> Steps { get; } = new();
    Task IApprovalStepScheduler.ScheduleAsync(RequestId id, DateTimeOffset at, CancellationToken cancellationToken) { Steps[id] = at; return Task.CompletedTask; }
    Task IApprovalStepScheduler.UnscheduleAsync(RequestId id, CancellationToken cancellationToken) { Steps.TryRemove(id, out _); return Task.CompletedTask; }

    public ConcurrentDictionary<JitBot.Incidents.IncidentId, DateTimeOffset> IncidentEnds { get; } = new();

    public ConcurrentDictionary<GrantId, DateTimeOffset> Revokes { get; } = new();
    public ConcurrentDictionary<RequestId, DateTimeOffset> Timeouts { get; } = new();

    public Task ScheduleRevokeAsync(GrantId id, DateTimeOffset at, CancellationToken cancellationToken) { Revokes[id] = at; return Task.CompletedTask; }
    public Task UnscheduleRevokeAsync(GrantId id, CancellationToken cancellationToken) { Revokes.TryRemove(id, out _); return Task.CompletedTask; }
    public Task ScheduleTimeoutAsync(RequestId id, DateTimeOffset at, CancellationToken cancellationToken) { Timeouts[id] = at; return Task.CompletedTask; }
    public Task UnscheduleTimeoutAsync(RequestId id, CancellationToken cancellationToken) { Timeouts.TryRemove(id, out _); return Task.CompletedTask; }
    public Task ScheduleEndAsync(JitBot.Incidents.IncidentId id, DateTimeOffset at, CancellationToken cancellationToken) { IncidentEnds[id] = at; return Task.CompletedTask; }
}
