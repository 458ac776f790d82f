using System.Text;
using JitBot.Common;

namespace JitBot.Policies;

/// <summary>An allow rule that matched a request, and whether its auto-approve condition held.</summary>
internal readonly record struct AllowMatch(RuleSpec Rule, bool AutoApproved);

/// <summary>
/// Turns the rules that matched a request into a <see cref="Decision"/>. Both evaluators (the indexed one and
/// the plain rule-by-rule one) find the matching rules their own way and share this step. Inputs are sorted
/// by rule id, so the result never depends on the order rules were written in.
/// </summary>
internal static class DecisionBuilder
{
    /// <summary>The role of an allow rule whose auto-approve condition held (guards may still ask for approval).</summary>
    internal const string AutoApprovedRole = "allowed, auto-approved";

    public static Decision UnknownResource(PolicyCatalog catalog, string resourceId, IReadOnlyList<string> suggestions)
    {
        var shown = resourceId.Length > 80 ? resourceId[..80] + "…" : resourceId;
        var text = suggestions.Count == 0
            ? $"There is no resource called \"{shown}\". Check the name, or ask the team that owns it to add it to the catalog."
            : $"There is no resource called \"{shown}\". Did you mean {JoinOr(suggestions)}?";
        return new Decision(DecisionOutcome.Denied, resourceId, null, null, null, [], [], text, catalog.Version);
    }

    public static Decision Build(
        PolicyCatalog catalog,
        ResourceSpec resource,
        ResourceInfo info,
        DecisionRequest request,
        List<RuleSpec>? denies,
        List<AllowMatch>? allows,
        List<RuleSpec>? guards)
    {
        var version = catalog.Version;

        // 2. Deny overrides: every matching deny rule is named.
        if (denies is { Count: > 0 })
        {
            var denied = new RuleContribution[denies.Count];
            var text = new StringBuilder(denies.Count == 1 ? "Denied by rule " : "Denied by rules ");
            for (var i = 0; i < denies.Count; i++)
            {
                denied[i] = new RuleContribution(denies[i].Id, RuleEffect.Deny, "denied", denies[i].Message);
                if (i > 0) text.Append(", ");
                text.Append(denies[i].Id);
            }
            text.Append('.');
            foreach (var d in denies)
                if (d.Message is { Length: > 0 } m) text.Append(' ').Append(m);
            return new Decision(DecisionOutcome.Denied, resource.Id, info, null, null, [], denied, text.ToString(), version);
        }

        // 1. Default deny.
        if (allows is not { Count: > 0 })
        {
            var team = info.OwnerTeam.Length > 0 ? info.OwnerTeam : "its owners";
            return new Decision(DecisionOutcome.Denied, resource.Id, info, null, null, [], [],
                $"No rule allows you to get {resource.Id}, so the request is denied. If you need it, ask the {team} team to add a rule.",
                version);
        }

        // Allow rules are alternatives: the one that serves the requester best is used (no missing fields,
        // then auto-approval, then fewest approvals, then the longest maximum, then the rule id).
        var reason = request.Reason;
        var best = -1;
        var bestKey = (Fields: int.MaxValue, Auto: 1, Approvals: int.MaxValue, Max: long.MaxValue, Id: "");
        for (var i = 0; i < allows.Count; i++)
        {
            var a = allows[i];
            var key = (
                Fields: FieldsMissing(a.Rule, reason) ? 1 : 0,
                Auto: a.AutoApproved ? 0 : 1,
                Approvals: a.AutoApproved ? 0 : ApprovalsNeeded(a.Rule.Approval),
                Max: -(a.Rule.MaxDuration ?? TimeSpan.MaxValue).Ticks,
                Id: a.Rule.Id);
            if (best < 0 || Better(key, bestKey)) (best, bestKey) = (i, key);
        }
        var chosen = allows[best];
        var allow = chosen.Rule;
        guards ??= [];

        // Required fields, from the chosen allow rule and every guard.
        var problems = new List<FieldProblem>(0);
        CheckFields(allow, reason, problems);
        foreach (var g in guards) CheckFields(g, reason, problems);

        // 6. Duration: requested (or the allow rule's default, or the policy's) capped by every maximum.
        var requested = request.RequestedDuration;
        if (requested is { } asked && (asked <= TimeSpan.Zero || asked > DurationText.Longest))
        {
            problems.Add(new FieldProblem("duration", asked <= TimeSpan.Zero
                ? "The duration must be more than zero."
                : "The duration is more than a year, which is not just-in-time access."));
            requested = null;
        }
        var start = requested ?? allow.DefaultDuration ?? catalog.Settings.DefaultDuration;
        RuleSpec? capper = null;
        if (allow.MaxDuration is { } amax && amax < start) capper = allow;
        foreach (var g in guards)
        {
            if (g.MaxDuration is not { } gmax) continue;
            var current = capper?.MaxDuration ?? start;
            if (gmax < current || (capper is not null && gmax == current && string.CompareOrdinal(g.Id, capper.Id) < 0))
                capper = g;
        }
        var granted = capper?.MaxDuration is { } cap && cap < start ? cap : start;
        var duration = new DurationDecision(granted, requested, capper is not null, capper?.Id, capper?.MaxDuration);

        // 5. Guards only tighten: any matching guard turns auto-approval into approval and adds approvers.
        var auto = chosen.AutoApproved && guards.Count == 0;
        var rules = new List<RuleContribution>(1 + guards.Count);
        rules.Add(new RuleContribution(allow.Id, RuleEffect.Allow,
            (chosen.AutoApproved ? AutoApprovedRole : "allowed, with approval") + (capper == allow ? "; capped the duration" : ""),
            allow.Message));
        foreach (var g in guards)
            rules.Add(new RuleContribution(g.Id, RuleEffect.RequireApproval,
                "requires approval" + (capper == g ? "; capped the duration" : ""), g.Message));

        ApprovalPlan? plan = null;
        string? impossible = null;
        if (!auto)
        {
            var requirements = new List<ApprovalRequirement>(2);
            TimeSpan? timeout = null;
            var steps = new ApprovalSteps();
            if (!chosen.AutoApproved) AddRequirements(catalog, resource, allow.Approval, requirements, ref timeout, steps);
            foreach (var g in guards) AddRequirements(catalog, resource, g.Approval, requirements, ref timeout, steps);
            var channel = resource.OwnerTeam is { } ot && catalog.Teams.TryGetValue(ot, out var team) ? team.Channel : "";
            plan = new ApprovalPlan(channel, requirements, timeout ?? catalog.Settings.ApprovalTimeout)
            {
                RemindAfter = steps.RemindAfter,
                Escalation = steps.Escalate is { } e && catalog.Resolve(e.To, resource) is { } to
                    ? new ApprovalEscalation(e.After, to, e.To.Kind == ApproverKind.Team && catalog.Teams.TryGetValue(e.To.Name!, out var et) ? et.Channel : channel)
                    : null,
            };
            impossible = ImpossibleRequirement(plan, request.Principal.SlackUserId);
        }

        var sb = new StringBuilder(160);
        if (problems.Count > 0)
        {
            sb.Append("Not yet: ");
            for (var i = 0; i < problems.Count; i++)
            {
                if (i > 0) sb.Append(' ');
                sb.Append(problems[i].Message);
            }
            sb.Append(problems.Exists(p => p.Field != "duration") ? " Ask again with that in the reason." : " Ask again with a duration like 30m or 2h.");
            return new Decision(DecisionOutcome.Denied, resource.Id, info, duration, null, problems, rules, sb.ToString(), version);
        }
        if (impossible is not null)
            return new Decision(DecisionOutcome.Denied, resource.Id, info, duration, null, problems, rules, impossible, version);

        if (auto)
        {
            sb.Append("Auto-approved by rule ").Append(allow.Id).Append(" for ").Append(Human(granted)).Append('.');
        }
        else
        {
            sb.Append("Needs approval from ");
            AppendRequirements(sb, plan!);
            if (plan!.Channel.Length > 0) sb.Append(" in ").Append(plan.Channel);
            sb.Append(" for ").Append(Human(granted)).Append(" (rule ").Append(allow.Id);
            foreach (var g in guards) sb.Append(", ").Append(g.Id);
            sb.Append(").");
            if (chosen.AutoApproved) sb.Append(" It would have been auto-approved, but a guard asks for approval.");
            if (plan.RemindAfter is { } remind) sb.Append(" Approvers are reminded after ").Append(Human(remind)).Append('.');
            if (plan.Escalation is { } escalation)
                sb.Append(" After ").Append(Human(escalation.After)).Append(" it is escalated to ").Append(escalation.Approvers.Name).Append('.');
        }
        if (capper is not null)
            sb.Append(' ').Append(requested is null ? "The default was capped" : "Capped from ")
              .Append(requested is null ? "" : Human(requested.Value))
              .Append(" by rule ").Append(capper.Id).Append('.');
        foreach (var g in guards)
            if (g.Message is { Length: > 0 } m) sb.Append(' ').Append(m);
        if (allow.Message is { Length: > 0 } am) sb.Append(' ').Append(am);

        return new Decision(auto ? DecisionOutcome.AutoApproved : DecisionOutcome.ApprovalRequired, resource.Id, info,
            duration, plan, problems, rules, sb.ToString(), version);
    }

    static readonly System.Collections.Concurrent.ConcurrentDictionary<TimeSpan, string> Humanized = new();

    /// <summary>Durations for people, remembered: policies use few distinct durations and humanizing is slow.</summary>
    static string Human(TimeSpan duration)
    {
        if (Humanized.TryGetValue(duration, out var text)) return text;
        text = DurationText.Humanize(duration);
        if (Humanized.Count < 4096) Humanized.TryAdd(duration, text);
        return text;
    }

    static bool Better((int Fields, int Auto, int Approvals, long Max, string Id) a, (int Fields, int Auto, int Approvals, long Max, string Id) b)
    {
        if (a.Fields != b.Fields) return a.Fields < b.Fields;
        if (a.Auto != b.Auto) return a.Auto < b.Auto;
        if (a.Approvals != b.Approvals) return a.Approvals < b.Approvals;
        if (a.Max != b.Max) return a.Max < b.Max;
        return string.CompareOrdinal(a.Id, b.Id) < 0;
    }

    static int ApprovalsNeeded(ApprovalSpec? spec) => spec is null ? 1 : spec.Count * spec.From.Count;

    static bool FieldsMissing(RuleSpec rule, string? reason)
    {
        var blank = string.IsNullOrWhiteSpace(reason);
        if ((rule.RequireReason || rule.Ticket is not null) && blank) return true;
        return rule.Ticket is not null && !rule.Ticket.IsMatch(reason!);
    }

    static void CheckFields(RuleSpec rule, string? reason, List<FieldProblem> into)
    {
        var blank = string.IsNullOrWhiteSpace(reason);
        if ((rule.RequireReason || rule.Ticket is not null) && blank)
        {
            if (!into.Exists(p => p.Field == "reason"))
                into.Add(new FieldProblem("reason", $"A reason is required (rule {rule.Id})."));
        }
        if (rule.Ticket is { } ticket && (blank || !ticket.IsMatch(reason!)))
            into.Add(new FieldProblem("ticket", $"The reason must include a ticket matching {ticket} (rule {rule.Id})."));
    }

    /// <summary>The reminder and escalation of the rules that ask for approval: the soonest of each wins.</summary>
    sealed class ApprovalSteps
    {
        public TimeSpan? RemindAfter;
        public EscalationSpec? Escalate;
    }

    static void AddRequirements(PolicyCatalog catalog, ResourceSpec resource, ApprovalSpec? spec, List<ApprovalRequirement> into, ref TimeSpan? timeout, ApprovalSteps steps)
    {
        if (spec?.Timeout is { } t && (timeout is null || t < timeout)) timeout = t;
        if (spec?.RemindAfter is { } r && (steps.RemindAfter is null || r < steps.RemindAfter)) steps.RemindAfter = r;
        if (spec?.Escalate is { } e && (steps.Escalate is null || e.After < steps.Escalate.After)) steps.Escalate = e;
        if (spec is null)
        {
            Merge(catalog.Resolve(new ApproverRef(ApproverKind.OwnerTeam, null, [], SourceRef.None), resource), 1, into);
            return;
        }
        foreach (var from in spec.From) Merge(catalog.Resolve(from, resource), spec.Count, into);

        static void Merge(ApproverSet? set, int count, List<ApprovalRequirement> into)
        {
            if (set is null) return; // references are checked at load; nothing unresolved reaches here
            for (var i = 0; i < into.Count; i++)
            {
                if (into[i].Approvers.Name != set.Name) continue;
                if (into[i].Count < count) into[i] = into[i] with { Count = count };
                return;
            }
            into.Add(new ApprovalRequirement(set, count));
        }
    }

    /// <summary>7. Self-approval is never possible: a fixed list of users without enough people besides the requester can never approve.</summary>
    static string? ImpossibleRequirement(ApprovalPlan plan, string requester)
    {
        foreach (var r in plan.Requirements)
        {
            if (r.Approvers.SlackUserGroupId is not null) continue;
            var others = 0;
            foreach (var u in r.Approvers.UserIds) if (u != requester) others++;
            if (others < r.Count)
                return $"This request can never be approved: it needs {r.Count} approval(s) from {r.Approvers.Name}, and you cannot approve your own request. Ask someone else to request it, or ask for the approvers to be changed.";
        }
        if (plan.Requirements.Count == 0)
            return "This request needs approval, but the policy names no approvers for it. Ask the owning team to fix the policy.";
        return null;
    }

    static void AppendRequirements(StringBuilder sb, ApprovalPlan plan)
    {
        for (var i = 0; i < plan.Requirements.Count; i++)
        {
            if (i > 0) sb.Append(i == plan.Requirements.Count - 1 ? " and " : ", ");
            var r = plan.Requirements[i];
            sb.Append(r.Count).Append(" of ").Append(r.Approvers.Name);
        }
    }

    static string JoinOr(IReadOnlyList<string> items) => items.Count switch
    {
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + " or " + items[^1],
    };
}
