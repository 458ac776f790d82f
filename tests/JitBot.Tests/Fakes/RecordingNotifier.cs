using System.Collections.Concurrent;
using JitBot.Requests;

namespace JitBot.Tests.Fakes;

/// <summary>
/// Records every notice; can be told to throw for the next few calls, and lets a test step in before a notice
/// is recorded (<see cref="Before"/>: to hold it, or to throw as a notifier would).
/// </summary>
public sealed class RecordingNotifier : IAccessNotifier, IProviderAlerts, IGroupedGrantNotifier
{
    int _failuresLeft;

    public ConcurrentQueue<(string Kind, RequestId RequestId, GrantId? GrantId, string? Detail)> Calls { get; } = new();
    public int Attempts;

    public void FailNext(int times) => Volatile.Write(ref _failuresLeft, times);

    public IReadOnlyList<string> KindsFor(RequestId id) => Calls.Where(c => c.RequestId == id).Select(c => c.Kind).ToList();

    /// <summary>Runs before a notice is recorded, with its kind and request; what it throws, the notifier throws.</summary>
    public Func<string, AccessRequest, Task>? Before { get; set; }

    async Task Record(string kind, AccessRequest request, GrantId? grant, string? detail)
    {
        Interlocked.Increment(ref Attempts);
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            throw new InvalidOperationException("Slack said no (test).");
        if (Before is { } before) await before(kind, request);
        Calls.Enqueue((kind, request.Id, grant, detail));
    }

    public Task ApprovalNeededAsync(AccessRequest request, CancellationToken cancellationToken) => Record("ApprovalNeeded", request, null, null);
    public Task ApprovalRecordedAsync(AccessRequest request, ApprovalVote vote, CancellationToken cancellationToken) => Record("ApprovalRecorded", request, null, vote.ApproverId);
    public Task RequestClosedAsync(AccessRequest request, CancellationToken cancellationToken) => Record("RequestClosed", request, null, request.State.ToString());
    public Task GrantStartedAsync(AccessRequest request, Grant grant, CancellationToken cancellationToken) => Record("GrantStarted", request, grant.Id, null);
    public Task GrantEndedAsync(AccessRequest request, Grant grant, CancellationToken cancellationToken) => Record("GrantEnded", request, grant.Id, grant.State.ToString());
    public Task GrantFailedAsync(AccessRequest request, string error, CancellationToken cancellationToken) => Record("GrantFailed", request, null, error);
    public Task ApprovalReminderAsync(AccessRequest request, CancellationToken cancellationToken) => Record("ApprovalReminder", request, null, null);
    public Task ApprovalEscalatedAsync(AccessRequest request, CancellationToken cancellationToken) => Record("ApprovalEscalated", request, null, null);

    /// <summary>Every group sent as one message (when a test registers this as <see cref="IGroupedGrantNotifier"/>), in order.</summary>
    public ConcurrentQueue<(string Kind, IReadOnlyList<RequestId> RequestIds)> Groups { get; } = new();

    public Task GrantsStartedAsync(IReadOnlyList<GrantNotice> notices, CancellationToken cancellationToken) => RecordGroup("GrantStarted", notices);
    public Task GrantsEndedAsync(IReadOnlyList<GrantNotice> notices, CancellationToken cancellationToken) => RecordGroup("GrantEnded", notices);

    /// <summary>A group is one call: recorded in <see cref="Groups"/> and, as "Group.{kind}" for its first request, in <see cref="Calls"/>.</summary>
    async Task RecordGroup(string kind, IReadOnlyList<GrantNotice> notices)
    {
        await Record("Group." + kind, notices[0].Request, notices[0].Grant.Id, notices.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Groups.Enqueue((kind, notices.Select(n => n.Request.Id).ToList()));
    }

    public ConcurrentQueue<ProviderAlert> Alerts { get; } = new();

    public Task AlertAsync(AccessRequest request, ProviderAlert alert, CancellationToken cancellationToken)
    {
        Alerts.Enqueue(alert);
        return Record("Alert." + alert.Kind, request, new GrantId(alert.GrantId), alert.Detail);
    }
}
