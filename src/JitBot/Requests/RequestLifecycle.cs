using JitBot.Policies;

namespace JitBot.Requests;

public enum RequestTrigger
{
    /// <summary>The last approval needed arrived: the request is granted.</summary>
    Approve,
    /// <summary>An approver said no.</summary>
    Reject,
    /// <summary>Nobody decided before the approval timeout.</summary>
    TimeOut,
    /// <summary>The provider could not carry the grant out.</summary>
    GrantFailed,
}

/// <summary>
/// Every legal move of a request, in one table. A request starts in the state its decision gives it
/// (<see cref="Initial"/>); every later move is a compare-and-swap from the state on the left.
/// </summary>
public static class RequestLifecycle
{
    static readonly Dictionary<(RequestState, RequestTrigger), RequestState> Moves = new()
    {
        [(RequestState.Pending, RequestTrigger.Approve)] = RequestState.Granted,
        [(RequestState.Pending, RequestTrigger.Reject)] = RequestState.Rejected,
        [(RequestState.Pending, RequestTrigger.TimeOut)] = RequestState.TimedOut,
        [(RequestState.Granted, RequestTrigger.GrantFailed)] = RequestState.Failed,
    };

    public static RequestState Initial(DecisionOutcome outcome) => outcome switch
    {
        DecisionOutcome.AutoApproved => RequestState.Granted,
        DecisionOutcome.ApprovalRequired => RequestState.Pending,
        _ => RequestState.Denied,
    };

    public static RequestState? Next(RequestState from, RequestTrigger on) =>
        Moves.TryGetValue((from, on), out var to) ? to : null;

    public static RequestState NextOrThrow(RequestState from, RequestTrigger on) =>
        Next(from, on) ?? throw new InvalidOperationException($"A request cannot move from {from} on {on}.");

    public static bool IsFinal(RequestState state) => state is not RequestState.Pending;
}
