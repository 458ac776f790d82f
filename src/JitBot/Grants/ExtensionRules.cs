using JitBot.Common;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Grants;

/// <summary>What the policy says about extending a grant: refused (and why), at once, or after approval.</summary>
public abstract record ExtensionVerdict
{
    private ExtensionVerdict() { }

    public sealed record Refused(string Message) : ExtensionVerdict;

    public sealed record Automatic(DateTimeOffset NewEnd) : ExtensionVerdict;

    public sealed record NeedsApproval(DateTimeOffset NewEnd, ApprovalPlan Plan) : ExtensionVerdict;
}

/// <summary>
/// The one place that decides an extension. Its input is the grant as stored, how much longer it should last, and
/// the policy's decision about a request for the whole new length (its grant time to the new end) made now
/// (<see cref="GrantExtender"/> asks for it). The resource's <c>extend:</c> keys (<see cref="ExtensionPolicy"/>) say how
/// often and how long in all; without <c>max_total</c> the new length may be at most what the policy would grant a
/// new request for that long (the rule's maximum). Approval is needed when a request for the new length would need it
/// now, or always with <c>approval: always</c> (then from <paramref name="ownerPlan"/> when the policy would approve it
/// by itself).
/// </summary>
public static class ExtensionRules
{
    /// <param name="approved">The approvers agreed already (the limits are checked again when they do): no approval is asked for.</param>
    public static ExtensionVerdict Check(GrantRecord record, TimeSpan by, Decision decision, ApprovalPlan? ownerPlan, DateTimeOffset now, bool approved = false)
    {
        var grant = record.Grant;
        var resource = SlackFree(grant.ResourceId);
        if (grant.State != GrantState.Active || grant.ExpiresAt <= now || record.RevokedBy is not null)
            return new ExtensionVerdict.Refused($"Grant {grant.Id.Short} ({resource}) has already ended, so it cannot be extended. Ask for the access again.");
        if (by <= TimeSpan.Zero)
            return new ExtensionVerdict.Refused("Extend by at least a minute, e.g. `by 30m`.");

        var policy = decision.Resource?.Extend ?? ExtensionPolicy.Default;
        var maxCount = policy.MaxCountOrDefault;
        if (maxCount == 0)
            return new ExtensionVerdict.Refused($"The policy does not let grants of {resource} be extended. Ask for the access again when it ends.");
        if (record.Extensions >= maxCount)
            return new ExtensionVerdict.Refused(
                $"Grant {grant.Id.Short} was extended {Times(record.Extensions)} already, the most the policy allows for {resource}. Ask for the access again when it ends.");
        if (decision.Outcome == DecisionOutcome.Denied)
            return new ExtensionVerdict.Refused($"The policy would not give you {resource} for that long now: {decision.Explanation}");

        var newEnd = grant.ExpiresAt + by;
        var total = newEnd - grant.GrantedAt;
        var limit = policy.MaxTotal ?? decision.Duration?.Granted ?? TimeSpan.Zero;
        if (total > limit)
        {
            var left = limit - (grant.ExpiresAt - grant.GrantedAt);
            var hint = left >= TimeSpan.FromMinutes(1)
                ? $" You can extend it by up to {DurationText.Humanize(TimeSpan.FromMinutes(Math.Floor(left.TotalMinutes)))}."
                : " It cannot be extended any further.";
            return new ExtensionVerdict.Refused(
                $"Extending grant {grant.Id.Short} by {DurationText.Humanize(by)} would make it last {DurationText.Humanize(total)} in all; the policy allows at most {DurationText.Humanize(limit)} for {resource}.{hint}");
        }

        var needsApproval = policy.Approval == ExtensionApproval.Always || decision.Outcome == DecisionOutcome.ApprovalRequired;
        if (!needsApproval || approved) return new ExtensionVerdict.Automatic(newEnd);
        var plan = decision.Approval is { Requirements.Count: > 0 } p ? p : ownerPlan;
        if (plan is not { Requirements.Count: > 0 })
            return new ExtensionVerdict.Refused($"Extending {resource} needs approval, but the policy names no approvers for it. Ask the policy owners to fix the policy.");
        return new ExtensionVerdict.NeedsApproval(newEnd, plan);
    }

    /// <summary>How much an extension asks for when nobody said: the resource's <c>extend.default</c>, else an hour.</summary>
    public static TimeSpan DefaultStep(ResourceInfo? resource) => (resource?.Extend ?? ExtensionPolicy.Default).StepOrDefault;

    static string Times(int n) => n == 1 ? "once" : n == 2 ? "twice" : $"{n} times";

    /// <summary>Resource ids are plain (lowercase letters, digits, '-', '_', '.'); shown in code spans.</summary>
    static string SlackFree(string resourceId) => $"`{resourceId}`";
}
