using JitBot.Audit;

namespace JitBot.Tests.Reports;

/// <summary>Audit events as the bot writes them, for the report's tests: one line per lifecycle step.</summary>
public sealed class AuditScript
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    public List<AuditEvent> Events { get; } = [];

    static Dictionary<string, string?> D(params (string Key, string? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    public AuditScript Submit(string request, string user, string resource, string? reason, DateTimeOffset at, bool incident = false)
    {
        Events.Add(new(AuditKinds.RequestSubmitted, at, user, request, null,
            D(("resource", resource), ("reason", reason), ("incident", incident ? "true" : "false"), ("incidentId", incident ? "INC1" : null))));
        return this;
    }

    public AuditScript Decide(string request, string outcome, string state, DateTimeOffset at)
    {
        Events.Add(new(AuditKinds.RequestDecided, at, "policy", request, null, D(("outcome", outcome), ("state", state))));
        return this;
    }

    public AuditScript Approve(string request, string approver, DateTimeOffset at)
    {
        Events.Add(new(AuditKinds.RequestApproved, at, approver, request, null, D(("approvers", approver), ("policyVersion", "v1"))));
        return this;
    }

    public AuditScript Reject(string request, string approver, DateTimeOffset at)
    {
        Events.Add(new(AuditKinds.RequestRejected, at, approver, request, null, D(("reason", "no"))));
        return this;
    }

    public AuditScript Start(string request, string grant, string user, string resource, DateTimeOffset at, TimeSpan duration, string actor = "policy")
    {
        Events.Add(new(AuditKinds.GrantStarted, at, actor, request, grant,
            D(("user", user), ("resource", resource), ("grantedAt", at.ToString("O")), ("expiresAt", (at + duration).ToString("O")))));
        return this;
    }

    public AuditScript End(string kind, string request, string grant, DateTimeOffset at, string actor = "jitbot", params (string, string?)[] data)
    {
        Events.Add(new(kind, at, actor, request, grant, D(data)));
        return this;
    }

    /// <summary>An auto-approved request and its grant, ended by expiry.</summary>
    public AuditScript AutoGrant(string n, string user, string resource, DateTimeOffset at, TimeSpan duration, string reason = "checking") =>
        Submit("r" + n, user, resource, reason, at).Decide("r" + n, "AutoApproved", "Granted", at)
            .Start("r" + n, "g" + n, user, resource, at, duration).End(AuditKinds.GrantExpired, "r" + n, "g" + n, at + duration);
}
