using System.Diagnostics.Metrics;
using JitBot.Common;

namespace JitBot.Requests;

/// <summary>
/// The request instruments on the <c>JitBot</c> meter, recorded by <see cref="RequestService"/>:
/// <c>jitbot.requests</c> (every submission once, tagged with its <c>outcome</c>), <c>jitbot.decision.duration</c>
/// (from the submission to its decision being stored: the requester's groups from Slack, the policy, the commit) and
/// <c>jitbot.approval.duration</c> (from the request to the approvers' decision, tagged <c>approved</c> or <c>denied</c>).
/// </summary>
public sealed class RequestMetrics
{
    public const string RequestsInstrument = "jitbot.requests";
    public const string DecisionInstrument = "jitbot.decision.duration";
    public const string ApprovalInstrument = "jitbot.approval.duration";

    /// <summary>The policy granted it at once and the provider gave the access.</summary>
    public const string AutoApproved = "auto_approved";
    /// <summary>Waiting for approvers.</summary>
    public const string Pending = "pending";
    /// <summary>The policy denied it.</summary>
    public const string Denied = "denied";
    /// <summary>The policy's decision could not be carried out safely (no duration, no approvers…), so it was stored as denied.</summary>
    public const string Refused = "refused";
    /// <summary>Granted at once but the provider failed, or the submission could not be decided or stored at all.</summary>
    public const string Failed = "failed";

    readonly Counter<long> requests;
    readonly Histogram<double> decision;
    readonly Histogram<double> approval;

    public RequestMetrics(JitBotMetrics metrics)
    {
        requests = metrics.Meter.CreateCounter<long>(RequestsInstrument, "{request}",
            "Access requests submitted, by outcome: auto_approved, pending, denied, refused, failed");
        decision = metrics.Meter.CreateHistogram(DecisionInstrument, "s",
            "How long a submission took to be decided and stored (groups from Slack, the policy, the commit)", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        approval = metrics.Meter.CreateHistogram(ApprovalInstrument, "s",
            "How long requests waited for their approvers, from the request to the approval or denial", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400] });
    }

    /// <summary>One submission ended with <paramref name="outcome"/> (one of the constants above).</summary>
    public void Submitted(string outcome) => requests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A submission's decision was stored <paramref name="took"/> after it arrived.</summary>
    public void Decided(TimeSpan took) => decision.Record(Math.Max(0, took.TotalSeconds));

    /// <summary>Approvers approved or denied a request <paramref name="waited"/> after it was made.</summary>
    public void ApproversDecided(bool approved, TimeSpan waited) =>
        approval.Record(Math.Max(0, waited.TotalSeconds), new KeyValuePair<string, object?>("outcome", approved ? "approved" : "denied"));
}
