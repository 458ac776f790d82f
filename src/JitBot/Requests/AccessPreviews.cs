using JitBot.Common;
using JitBot.Policies;

namespace JitBot.Requests;

/// <summary>What a preview says would happen: granted at once, sent for approval, or refused.</summary>
public enum PreviewOutcome
{
    Automatic,
    Approval,
    Denied,
}

/// <summary>
/// What would happen if a person asked for one resource now, and why, without storing anything.
/// <see cref="Decision"/> is the engine's decision for the ask as given (no reason). When that ask is refused only
/// because a reason (or a ticket in it) is missing, <see cref="OnceReasonGiven"/> is the decision for the same ask
/// with a reason, which is what the person would get by giving one; <see cref="Needs"/> lists what to give.
/// </summary>
public sealed record ResourcePreview(
    string ResourceId,
    ResourceInfo? Resource,
    PreviewOutcome Outcome,
    Decision Decision,
    Decision? OnceReasonGiven,
    IReadOnlyList<FieldProblem> Needs,
    DurationBounds? Durations)
{
    /// <summary>The decision that says how it would go: the one with a reason when only a reason was missing.</summary>
    public Decision Effective => OnceReasonGiven ?? Decision;

    public bool ReasonRequired => Needs.Count > 0;

    /// <summary>Who would approve; null when automatic, refused, or not known until the ticket is given.</summary>
    public ApprovalPlan? Approval => Outcome == PreviewOutcome.Approval ? Effective.Approval : null;

    public bool Requestable => Outcome != PreviewOutcome.Denied;
}

/// <summary>The duration a resource is granted for when none is asked (<see cref="Default"/>), and the most it may be.</summary>
public sealed record DurationBounds(TimeSpan Default, TimeSpan Max);

/// <summary>A preview of the catalog for one person: the resources matching the filters that they could ask for, and how many they could not.</summary>
public sealed record CatalogPreview(IReadOnlyList<ResourcePreview> Requestable, int Matching, int NotAllowed, DecisionScope Scope);

/// <summary>
/// The "what could I ask for, and how" preview: <c>/access explain</c>, <c>/access resources</c> and the request
/// form's picker. It decides through <see cref="RequestDecider"/> exactly as a submission would (same groups, channel,
/// incident and duration cap), and stores nothing: no request, no audit event, no incident opened.
/// </summary>
public sealed class AccessPreviews(RequestDecider decider)
{
    /// <summary>
    /// Stands in for the person's reason when a preview asks "and with a reason?". A ticket pattern usually does not
    /// match it, so a resource that needs a ticket stays "needs a ticket" rather than guessing its outcome.
    /// </summary>
    public const string ProbeReason = "(a reason given)";

    /// <summary>The scope of a person's previews: their groups are asked of Slack (throws when Slack cannot say).</summary>
    public Task<DecisionScope> ScopeAsync(string userId, string? channelId, string? channelName, CancellationToken cancellationToken) =>
        decider.ScopeAsync(userId, channelId, channelName, startIncident: false, cancellationToken);

    /// <summary>
    /// What would happen if <paramref name="userId"/> asked for <paramref name="resourceId"/> from this channel now (for
    /// <paramref name="duration"/>, or the default): one call for callers outside the Slack commands.
    /// </summary>
    public async Task<ResourcePreview> PreviewAsync(string userId, string? channelId, string? channelName, string resourceId, TimeSpan? duration,
        CancellationToken cancellationToken) =>
        Of(await ScopeAsync(userId, channelId, channelName, cancellationToken).ConfigureAwait(false), resourceId, duration);

    /// <summary>What would happen if the person asked for <paramref name="resourceId"/> (for <paramref name="duration"/>, or the default).</summary>
    public static ResourcePreview Of(DecisionScope scope, string resourceId, TimeSpan? duration, bool withBounds = true, string? reason = null)
    {
        var asked = RequestDecider.Decide(scope, resourceId, duration, reason);
        Decision? withReason = null;
        IReadOnlyList<FieldProblem> needs = [];
        var outcome = OutcomeOf(asked);
        if (asked.Outcome == DecisionOutcome.Denied && asked.FieldProblems.Count > 0 && asked.FieldProblems.All(IsReasonField) && reason is null)
        {
            // Refused only for a missing reason or ticket: how would it go with one?
            needs = asked.FieldProblems;
            withReason = RequestDecider.Decide(scope, resourceId, duration, ProbeReason);
            outcome = withReason.Outcome != DecisionOutcome.Denied
                ? OutcomeOf(withReason)
                : withReason.FieldProblems.Count > 0 && withReason.FieldProblems.All(IsReasonField)
                    ? OutcomeFromRules(withReason) // a ticket is still missing: the rules say whether approvers are needed
                    : PreviewOutcome.Denied;
        }
        else if (asked.Outcome == DecisionOutcome.Denied && asked.FieldProblems.Count > 0 && asked.FieldProblems.All(IsReasonField))
        {
            needs = asked.FieldProblems;
            outcome = OutcomeFromRules(asked);
        }
        DurationBounds? bounds = null;
        if (withBounds && outcome != PreviewOutcome.Denied)
        {
            var probe = withReason is null ? reason : ProbeReason;
            var byDefault = RequestDecider.Decide(scope, resourceId, null, probe).Duration;
            var longest = RequestDecider.Decide(scope, resourceId, DurationText.Longest, probe).Duration;
            if (byDefault is not null && longest is not null) bounds = new DurationBounds(byDefault.Granted, longest.Granted);
        }
        return new ResourcePreview(resourceId, asked.Resource, outcome, asked, withReason, needs, bounds);
    }

    /// <summary>
    /// Every catalog resource with all of <paramref name="filters"/> that the person could ask for (automatically or
    /// with approval, possibly once they give a reason), in id order, and how many matching ones they could not.
    /// </summary>
    public async Task<CatalogPreview> CatalogAsync(string userId, string? channelId, string? channelName, TagFilters filters,
        bool withBounds, CancellationToken cancellationToken)
    {
        var scope = await ScopeAsync(userId, channelId, channelName, cancellationToken).ConfigureAwait(false);
        return Catalog(scope, filters, withBounds);
    }

    /// <inheritdoc cref="CatalogAsync"/>
    public static CatalogPreview Catalog(DecisionScope scope, TagFilters filters, bool withBounds)
    {
        var found = new List<ResourcePreview>();
        var matching = 0;
        foreach (var id in scope.Policy.ResourceIds)
        {
            if (scope.Policy.FindResource(id) is not { } resource || !filters.Match(resource)) continue;
            matching++;
            var preview = Of(scope, id, null, withBounds);
            if (preview.Requestable) found.Add(preview);
        }
        return new CatalogPreview(found, matching, matching - found.Count, scope);
    }

    static bool IsReasonField(FieldProblem problem) => problem.Field is "reason" or "ticket";

    static PreviewOutcome OutcomeOf(Decision decision) => decision.Outcome switch
    {
        DecisionOutcome.AutoApproved => PreviewOutcome.Automatic,
        DecisionOutcome.ApprovalRequired => PreviewOutcome.Approval,
        _ => PreviewOutcome.Denied,
    };

    /// <summary>When the decision stops at a missing field, its rules still say whether it would be automatic: an auto-approving allow rule and no guard.</summary>
    static PreviewOutcome OutcomeFromRules(Decision decision) =>
        decision.Rules.Count > 0 && decision.Rules.All(r => r.Effect == RuleEffect.Allow) &&
        decision.Rules.Any(r => r.Role.StartsWith(DecisionBuilder.AutoApprovedRole, StringComparison.Ordinal))
            ? PreviewOutcome.Automatic
            : decision.Rules.Count > 0 ? PreviewOutcome.Approval : PreviewOutcome.Denied;
}
