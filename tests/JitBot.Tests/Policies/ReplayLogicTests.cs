using JitBot.Audit;
using JitBot.Policies;
using JitBot.Policies.Replay;

namespace JitBot.Tests.Policies;

/// <summary>Policy replay's parts: pairing submissions with decisions, reading recorded events (older formats too), and what counts as a change.</summary>
public class ReplayLogicTests
{
    static readonly DateTimeOffset At = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    static AuditRecord Rec(long seq, string kind, string? request, Dictionary<string, string?>? data = null, string actor = "U0PAY0002") =>
        new(seq, new AuditEvent(kind, At.AddSeconds(seq), actor, request, null, data), "", "");

    static AuditRecord Sub(long seq, string request) => Rec(seq, AuditKinds.RequestSubmitted, request);

    static AuditRecord Dec(long seq, string request) => Rec(seq, AuditKinds.RequestDecided, request, actor: "policy");

    static List<(string Id, long? DecidedSeq)> Feed(RequestPairing pairing, params AuditRecord[] records) =>
        records.SelectMany(r => pairing.Add(r)).ToList().Concat(pairing.Flush())
            .Select(p => (p.Submitted.Event.RequestId!, p.Decided?.Seq)).ToList();

    [Fact]
    public void Pairing_Adjacent_And_Interleaved_Submissions_Get_Their_Own_Decisions()
    {
        var pairs = Feed(new RequestPairing(), Sub(1, "req_a"), Dec(2, "req_a"), Sub(3, "req_b"), Sub(4, "req_c"),
            Rec(5, AuditKinds.GrantStarted, "req_b"), Dec(6, "req_c"), Dec(7, "req_b"));
        Assert.Equal([("req_a", 2L), ("req_c", 6L), ("req_b", 7L)], pairs.Select(p => (p.Id, p.DecidedSeq ?? -1)).ToList());
    }

    [Fact]
    public void Pairing_Gives_Up_On_A_Submission_Without_Decision_After_The_Window_And_Holds_No_More()
    {
        var pairing = new RequestPairing(window: 3);
        Assert.Empty(pairing.Add(Sub(1, "req_lost")));
        Assert.Empty(pairing.Add(Rec(2, "some.future_kind", null)));
        Assert.Empty(pairing.Add(Rec(4, AuditKinds.GrantExpired, "req_x")));
        var given = pairing.Add(Sub(5, "req_next"));
        Assert.Equal("req_lost", Assert.Single(given).Submitted.Event.RequestId);
        Assert.Null(given[0].Decided);
        Assert.Equal(1, pairing.Pending);
        // Its decision turning up later pairs with nothing; the next submission still pairs with its own.
        Assert.Empty(pairing.Add(Dec(6, "req_lost")));
        Assert.Equal("req_next", Assert.Single(pairing.Add(Dec(7, "req_next"))).Submitted.Event.RequestId);
        Assert.Empty(pairing.Flush());
    }

    [Fact]
    public void Pairing_Skips_Submissions_Out_Of_Range_And_Decisions_Without_Submission()
    {
        var pairing = new RequestPairing();
        Assert.Empty(pairing.Add(Sub(1, "req_old"), wanted: false));
        Assert.Empty(pairing.Add(Dec(2, "req_old")));
        Assert.Empty(pairing.Add(Dec(3, "req_never_submitted")));
        Assert.Empty(pairing.Flush());
    }

    [Fact]
    public void Pairing_At_The_End_Of_The_Log_Flushes_The_Waiting_Submissions_Oldest_First()
    {
        var pairs = Feed(new RequestPairing(), Sub(1, "req_a"), Sub(2, "req_b"));
        Assert.Equal([("req_a", null), ("req_b", null)], pairs);
    }

    static Dictionary<string, string?> Submitted(params (string Key, string? Value)[] extra)
    {
        var data = new Dictionary<string, string?>
        {
            ["resource"] = "payments-db-dev", ["requestedDuration"] = "02:00:00", ["reason"] = "debugging", ["channelId"] = "C0PAYMENTS",
            ["channelName"] = "payments", ["incident"] = "false", ["incidentId"] = null, ["onBehalfOf"] = null, ["groups"] = "S01PAYENG,S01PAYONC",
        };
        foreach (var (k, v) in extra) data[k] = v;
        return data;
    }

    [Fact]
    public void Recorded_Request_Reads_Todays_Format()
    {
        var r = RecordedRequest.Read(Rec(1, AuditKinds.RequestSubmitted, "req_a", Submitted()).Event, out var skipped)!;
        Assert.Null(skipped);
        Assert.Equal(("U0PAY0002", "payments-db-dev", TimeSpan.FromHours(2), "debugging", "payments"), (r.RequesterId, r.ResourceId, r.RequestedDuration!.Value, r.Reason, r.ChannelName));
        Assert.Equal(["S01PAYENG", "S01PAYONC"], r.Groups!);
        Assert.Equal(At.AddSeconds(1), r.At);
    }

    [Fact]
    public void Recorded_Request_Of_An_Older_Format_Is_Read_With_What_It_Has()
    {
        // The first format had no incidentId and onBehalfOf; older or hand-made ones may lack groups or a duration.
        var data = new Dictionary<string, string?> { ["resource"] = "payments-db-dev", ["reason"] = "x" };
        var r = RecordedRequest.Read(Rec(1, AuditKinds.RequestSubmitted, "req_a", data).Event, out var skipped)!;
        Assert.Null(skipped);
        Assert.Null(r.Groups);               // unknown, not "in no group": replay says it assumed none
        Assert.Null(r.RequestedDuration);    // the default, as the bot writes a request without a duration
        Assert.Equal("U0PAY0002", r.RequesterId);
        Assert.Empty(RecordedRequest.Read(Rec(1, AuditKinds.RequestSubmitted, "req_a", Submitted(("groups", ""))).Event, out _)!.Groups!);
    }

    [Theory]
    [InlineData("resource", null, ReplaySkips.NoResource)]
    [InlineData("requestedDuration", "two hours", ReplaySkips.BadDuration)]
    [InlineData("requestedDuration", "-01:00:00", ReplaySkips.BadDuration)]
    public void Recorded_Request_That_Cannot_Be_Decided_Says_Why(string key, string? value, string reason)
    {
        Assert.Null(RecordedRequest.Read(Rec(1, AuditKinds.RequestSubmitted, "req_a", Submitted((key, value))).Event, out var skipped));
        Assert.Equal(reason, skipped);
        Assert.Null(RecordedRequest.Read(Rec(1, AuditKinds.RequestSubmitted, null, Submitted()).Event, out skipped));
        Assert.Equal(ReplaySkips.NoRequestId, skipped);
    }

    [Fact]
    public void Recorded_Channel_Wide_Grant_Names_No_Requester_The_Actor_Granted_It()
    {
        var r = RecordedRequest.Read(Rec(1, AuditKinds.RequestSubmitted, "req_a", Submitted(("onBehalfOf", "U0PAY0001")), actor: "U0PAY0001").Event, out _)!;
        Assert.Null(r.RequesterId);
        Assert.Equal("U0PAY0001", r.OnBehalfOf);
    }

    static ReplayOutcome Decided(params (string Key, string? Value)[] data) => ReplayOutcome.FromEvent(data.ToDictionary(d => d.Key, d => d.Value))!;

    [Fact]
    public void Recorded_Decision_Reads_Outcome_Approvers_Duration_And_Why_Denied()
    {
        var approval = Decided(("outcome", "ApprovalRequired"), ("approvers", "1 of @security;1 of @payments-oncall"), ("grantedDuration", "01:00:00"));
        Assert.Equal("approval: 1 of @payments-oncall and 1 of @security, 1 hour", approval.Text);
        Assert.Equal("automatic, 2 hours", Decided(("outcome", "AutoApproved"), ("grantedDuration", "02:00:00")).Text);
        Assert.Equal("denied by no-contractors", Decided(("outcome", "Denied"), ("rules", "no-contractors:denied")).Text);
        Assert.Equal("denied, needs a reason", Decided(("outcome", "Denied"), ("fieldProblems", "reason: A reason is required (rule x).")).Text);
        Assert.Null(ReplayOutcome.FromEvent(new Dictionary<string, string?> { ["outcome"] = "Maybe" }));
        Assert.Null(ReplayOutcome.FromEvent(new Dictionary<string, string?>()));
        Assert.Null(Decided(("outcome", "AutoApproved")).Granted); // an older event without the duration: not compared
    }

    [Fact]
    public void A_Change_Is_Another_Outcome_Other_Approvers_Or_Another_Granted_Duration()
    {
        var auto2h = new ReplayOutcome(DecisionOutcome.AutoApproved, "", TimeSpan.FromHours(2), "");
        var approval = new ReplayOutcome(DecisionOutcome.ApprovalRequired, "1 of @payments-oncall", TimeSpan.FromHours(2), "");
        Assert.True(auto2h.DiffersFrom(approval));
        Assert.True(auto2h.DiffersFrom(auto2h with { Granted = TimeSpan.FromHours(1) }));
        Assert.True(approval.DiffersFrom(approval with { Approvers = "1 of @security" }));
        Assert.False(auto2h.DiffersFrom(auto2h with { Granted = null }));
        Assert.False(auto2h.DiffersFrom(auto2h with { Why = "other words" }));
        var denied = new ReplayOutcome(DecisionOutcome.Denied, "", null, "by a");
        Assert.False(denied.DiffersFrom(denied with { Why = "by b" }));
        Assert.True(denied.DiffersFrom(auto2h));
        // Approvers compared as a set: the same requirements in another order are the same.
        Assert.False(Decided(("outcome", "ApprovalRequired"), ("approvers", "1 of @b;1 of @a"))
            .DiffersFrom(Decided(("outcome", "ApprovalRequired"), ("approvers", "1 of @a;1 of @b"))));
    }
}
