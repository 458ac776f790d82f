using JitBot.Policies;

namespace JitBot.Requests;

/// <summary>What happens to a pending request while it waits, before its timeout.</summary>
public enum ApprovalStep
{
    /// <summary>Its approvers are reminded (<c>remind_after</c>).</summary>
    Remind,
    /// <summary>It is put to a second set of approvers (<c>escalate</c>).</summary>
    Escalate,
}

/// <summary>One step and when it is due.</summary>
public sealed record DueStep(ApprovalStep Step, DateTimeOffset At);

/// <summary>
/// When a pending request's reminder and escalation are due, counted from when it was made, by its stored decision
/// (so a policy change does not move them). A step at or after the timeout never happens; a step already taken
/// (<see cref="AccessRequest.RemindedAt"/>, <see cref="AccessRequest.EscalatedAt"/>) is not due again.
/// </summary>
public static class ApprovalSchedule
{
    /// <summary>The steps still to take, soonest first (none unless the request is pending).</summary>
    public static IReadOnlyList<DueStep> Remaining(AccessRequest request)
    {
        if (request.State != RequestState.Pending || request.Decision.Approval is not { } plan) return [];
        var timeoutAt = RequestService.TimeoutAt(request);
        var steps = new List<DueStep>(2);
        if (request.RemindedAt is null && plan.RemindAfter is { } remind && remind > TimeSpan.Zero && request.CreatedAt + remind < timeoutAt)
            steps.Add(new DueStep(ApprovalStep.Remind, request.CreatedAt + remind));
        if (request.EscalatedAt is null && plan.Escalation is { } e && e.After > TimeSpan.Zero && request.CreatedAt + e.After < timeoutAt)
            steps.Add(new DueStep(ApprovalStep.Escalate, request.CreatedAt + e.After));
        return steps.OrderBy(s => s.At).ThenBy(s => s.Step).ToList();
    }

    /// <summary>The steps due at <paramref name="now"/>, in order.</summary>
    public static IReadOnlyList<DueStep> Due(AccessRequest request, DateTimeOffset now) =>
        Remaining(request).Where(s => s.At <= now).ToList();

    /// <summary>When the next step is due (perhaps already), or null when none is left.</summary>
    public static DateTimeOffset? Next(AccessRequest request) =>
        Remaining(request) is [var first, ..] ? first.At : null;

    /// <summary>Whether the escalation's approvers may decide the request: it was escalated.</summary>
    public static bool Escalated(AccessRequest request) => request.EscalatedAt is not null && request.Decision.Approval?.Escalation is not null;
}
