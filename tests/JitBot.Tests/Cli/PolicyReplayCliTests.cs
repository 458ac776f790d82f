using JitBot.Audit;
using JitBot.Cli;
using JitBot.Policies;
using JitBot.Policies.Replay;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.Storage.LiteDb;
using JitBot.Tests.Fakes;
using JitBot.Tests.Policies;
using static JitBot.Tests.Cli.CommandLine;

namespace JitBot.Tests.Cli;

/// <summary>
/// <c>jitbot policy replay</c> on a LiteDB log written here, in today's and older formats, and with bad input (the
/// replay of flows the real bot recorded is in the integration tests).
/// </summary>
public sealed class PolicyReplayCliTests : IDisposable
{
    /// <summary>A Tuesday, 10:00 in London (inside the examples' business hours).</summary>
    static readonly DateTimeOffset At = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    static readonly DateTimeOffset Now = At.AddDays(2);
    const string Ben = "U0PAY0002";

    readonly string dir = Directory.CreateTempSubdirectory("jitbot-replay-").FullName;
    string Db => Path.Combine(dir, "jitbot.db");

    public PolicyReplayCliTests() => Write();

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    (int Code, string Out, string Err) Replay(string folder, string? since = "2026-11-01", int limit = 500) =>
        Capture((o, e) => PolicyReplayCli.Replay(new ReplayArguments(folder, since, null, limit, new CliStoreOptions("litedb", Db)), Now, o, e));

    static (int Code, string Out, string Err) Capture(Func<TextWriter, TextWriter, int> run)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = run(stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Appends events to the store (and stored requests), as the bot would, in one transaction.</summary>
    void Write(IReadOnlyList<AuditEvent>? events = null, AccessRequest? request = null)
    {
        using var store = new LiteDbAccessStore(Db, new OutboxSignal(), TimeProvider.System);
        store.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        if (events is null && request is null) return;
        var tx = store.BeginAsync(CancellationToken.None).GetAwaiter().GetResult();
        if (request is not null) tx.InsertRequestAsync(request, null, CancellationToken.None).GetAwaiter().GetResult();
        if (events is { Count: > 0 }) tx.AppendAuditAsync(events, CancellationToken.None).GetAwaiter().GetResult();
        tx.CommitAsync(CancellationToken.None).GetAwaiter().GetResult();
        tx.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    static AuditEvent Submitted(string id, string resource, string? duration, Dictionary<string, string?>? extra = null, DateTimeOffset? at = null,
        bool withGroups = true)
    {
        var data = new Dictionary<string, string?>
        {
            ["resource"] = resource, ["requestedDuration"] = duration, ["reason"] = "debugging payouts", ["channelId"] = "C0PAYMENTS",
            ["channelName"] = "payments", ["incident"] = "false",
        };
        if (withGroups) data["groups"] = "S01PAYENG";
        foreach (var (k, v) in extra ?? []) data[k] = v;
        return new AuditEvent(AuditKinds.RequestSubmitted, at ?? At, Ben, id, null, data);
    }

    static AuditEvent Decided(string id, string outcome, string? granted, string? approvers = null, DateTimeOffset? at = null) =>
        new(AuditKinds.RequestDecided, at ?? At, RequestService.PolicyActor, id, null, new Dictionary<string, string?>
        {
            ["outcome"] = outcome, ["state"] = "Granted", ["grantedDuration"] = granted, ["capped"] = "false", ["approvers"] = approvers,
            ["policyVersion"] = "sha256:old", ["rules"] = "engineers-to-dev:allowed, auto-approved", ["explanation"] = "",
        });

    /// <summary>Ben's 2h on payments-db-dev (automatic under the examples) and 1h on payments-api-prod (1 of @payments-oncall).</summary>
    void WriteTodaysFlow() => Write([
        Submitted("req_aaaaaaaaaaaa", "payments-db-dev", "02:00:00"), Decided("req_aaaaaaaaaaaa", "AutoApproved", "02:00:00"),
        Submitted("req_bbbbbbbbbbbb", "payments-api-prod", "01:00:00"), Decided("req_bbbbbbbbbbbb", "ApprovalRequired", "01:00:00", "1 of @payments-oncall"),
    ]);

    const string DevRule = "    duration: {default: 4h, max: 8h}\n    auto_approve: true\n";

    [Fact]
    public void EmptyLog_ExitsZero_AndSaysNoRequestsRecorded()
    {
        var (code, output, _) = Replay(Policy.ExamplesDir);
        Assert.Equal(0, code);
        Assert.Contains("**No requests recorded** since 2026-11-01 00:00 UTC: nothing to replay.", output);
        Assert.DoesNotContain("| When", output);
    }

    [Fact]
    public void Unchanged_Policy_ExitsZero_NothingListed()
    {
        WriteTodaysFlow();
        var (code, output, err) = Replay(Policy.ExamplesDir);
        Assert.True(code == 0, output + err);
        Assert.Contains("**2 requests replayed** since 2026-11-01 00:00 UTC: none would change.", output);
        Assert.DoesNotContain("| When", output);
    }

    [Fact]
    public void Approval_Instead_Of_Automatic_And_A_Shorter_Maximum_Are_Listed_And_ExitOne()
    {
        WriteTodaysFlow();
        using var changed = ExamplesWith("rules/non-production.yaml", DevRule, "    duration: {default: 1h, max: 1h}\n    approval: {from: owner-team, count: 1}\n");
        var (code, output, err) = Replay(changed.Dir);
        Assert.True(code == 1, output + err);
        Assert.Contains("**2 requests replayed** since 2026-11-01 00:00 UTC: **1 would change**.", output);
        Assert.True(output.Contains("| 2026-11-24 10:00 | Ben \\(U0PAY0002\\) | payments-db-dev | 2 hours | automatic, 2 hours | approval: 1 of \\@payments-oncall, 1 hour | aaaaaa |"), output);
        Assert.DoesNotContain("bbbbbb", output);
    }

    [Fact]
    public void A_Denied_Group_Shows_As_Denied_With_The_Rule()
    {
        WriteTodaysFlow();
        using var changed = ExamplesPlus("rules/zz-deny.yaml",
            "rules:\n  - id: no-payments-eng-in-dev\n    effect: deny\n    when:\n      resource: {env: dev}\n      principal: {group: \"@payments-eng\"}\n");
        var (code, output, err) = Replay(changed.Dir);
        Assert.True(code == 1, output + err);
        Assert.True(output.Contains("| automatic, 2 hours | denied by no-payments-eng-in-dev | aaaaaa |"), output);
    }

    [Fact]
    public void Limit_Lists_The_First_Changes_And_Counts_Them_All()
    {
        Write([.. Enumerable.Range(0, 3).SelectMany(i => new[]
        {
            Submitted($"req_{i}aaaaaaaaaaa", "payments-db-dev", "02:00:00", at: At.AddMinutes(i)), Decided($"req_{i}aaaaaaaaaaa", "AutoApproved", "02:00:00", at: At.AddMinutes(i)),
        })]);
        using var changed = ExamplesWith("rules/non-production.yaml", DevRule, "    duration: {default: 1h, max: 1h}\n    auto_approve: true\n");
        var (code, output, _) = Replay(changed.Dir, limit: 2);
        Assert.Equal(1, code);
        Assert.Contains("**3 would change**", output);
        Assert.Contains("…and 1 more", output);
        Assert.Equal(2, output.Split('\n').Count(l => l.StartsWith("| 2026-", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_Log_Longer_Than_A_Page_Is_Replayed_Whole_Even_Where_A_Page_Splits_A_Pair()
    {
        // One event first, so that a page of 1,000 ends between a submission and its decision.
        var events = new List<AuditEvent> { new("incident.started", At, "U0PAY0001", null, null, new Dictionary<string, string?>()) };
        for (var i = 0; i < 700; i++)
        {
            var id = $"req_{i:D12}";
            events.Add(Submitted(id, "payments-db-dev", "02:00:00", at: At.AddSeconds(i)));
            events.Add(Decided(id, "AutoApproved", "02:00:00", at: At.AddSeconds(i)));
        }
        Write(events);
        using var changed = ExamplesWith("rules/non-production.yaml", DevRule, "    duration: {default: 1h, max: 1h}\n    auto_approve: true\n");
        var (code, output, err) = Replay(changed.Dir, limit: 3);
        Assert.True(code == 1, output + err);
        Assert.Contains("**700 requests replayed** since 2026-11-01 00:00 UTC: **700 would change**.", output);
        Assert.DoesNotContain("Skipped", output);
        Assert.Contains("…and 697 more", output);
    }

    [Fact]
    public async Task A_Short_Since_Reads_Only_The_Log_From_A_Day_Before_It()
    {
        // 500 requests two months back, one just over a day before --since, then today's two.
        Write([.. Enumerable.Range(0, 501).SelectMany(i =>
        {
            var at = i < 500 ? At.AddDays(-60).AddMinutes(i) : At.AddHours(-1) - AuditStart.Slack - TimeSpan.FromMinutes(1);
            return new[] { Submitted($"req_{i:D12}", "payments-db-dev", "02:00:00", at: at), Decided($"req_{i:D12}", "AutoApproved", "02:00:00", at: at) };
        })]);
        WriteTodaysFlow();
        var policy = PolicyLoader.Load(Policy.ExamplesDir).Snapshot!;
        using var store = new LiteDbAccessStore(Db, new OutboxSignal(), TimeProvider.System);

        var recent = AuditReadingStore.Over(store);
        var result = await new PolicyReplay(policy, recent.Store).RunAsync(At.AddHours(-1), null, CancellationToken.None);
        var whole = AuditReadingStore.Over(store);
        var all = await new PolicyReplay(policy, whole.Store).RunAsync(null, null, CancellationToken.None);

        Assert.Equal((2L, 503L), (result.Replayed, all.Replayed));
        Assert.Equal(["req_aaaaaaaaaaaa", "req_aaaaaaaaaaaa", "req_bbbbbbbbbbbb", "req_bbbbbbbbbbbb"], recent.Read.Select(r => r.Event.RequestId));
        Assert.Equal(1006, whole.Read.Count);
    }

    [Fact]
    public void Older_Formats_Are_Skipped_Or_Assumed_With_Their_Reasons_Never_A_Crash()
    {
        var snapshot = PolicyLoader.Load(Policy.ExamplesDir).Snapshot!;
        var stored = snapshot.Decide(new DecisionRequest(new Principal(Ben, ["S01PAYENG"]), "payments-db-dev", TimeSpan.FromHours(2), null, new RequestContext(At)));
        var request = new AccessRequest(new RequestId("req_ssssssssssss"), Ben, "payments-db-dev", TimeSpan.FromHours(2), null, null, null, false,
            RequestState.Granted, At, At, "policy", stored, []);
        Write([
            // No groups: decided as in no group (Ben's own tags still give him dev).
            Submitted("req_gggggggggggg", "payments-db-dev", "02:00:00", withGroups: false), Decided("req_gggggggggggg", "AutoApproved", "02:00:00"),
            // An event kind this version does not know, in the middle of the log.
            new AuditEvent("request.teleported", At, "U0SOMEONE", "req_gggggggggggg", null, new Dictionary<string, string?> { ["to"] = "mars" }),
            // No resource, an unreadable duration, an outcome nobody knows, no decision at all.
            new AuditEvent(AuditKinds.RequestSubmitted, At, Ben, "req_rrrrrrrrrrrr", null, new Dictionary<string, string?> { ["reason"] = "x" }),
            Submitted("req_dddddddddddd", "payments-db-dev", "2 hours"),
            Submitted("req_oooooooooooo", "payments-db-dev", "02:00:00"), new AuditEvent(AuditKinds.RequestDecided, At, "policy", "req_oooooooooooo", null,
                new Dictionary<string, string?> { ["outcome"] = "Escalated" }),
            Submitted("req_nnnnnnnnnnnn", "payments-db-dev", "02:00:00"),
            // No decision event, but the request is stored: its stored decision is compared.
            Submitted("req_ssssssssssss", "payments-db-dev", "02:00:00"),
            // A channel-wide grant whose member the store does not have.
            Submitted("req_cccccccccccc", "payments-db-dev", "02:00:00", new() { ["onBehalfOf"] = "U0PAY0001" }), Decided("req_cccccccccccc", "AutoApproved", "02:00:00"),
        ], request);

        var (code, output, err) = Replay(Policy.ExamplesDir);
        Assert.True(code == 0, output + err);
        Assert.Contains("**2 requests replayed** since 2026-11-01 00:00 UTC: none would change, 5 skipped (below).", output);
        Assert.Contains($"- 1: {ReplaySkips.NoResource}", output);
        Assert.Contains($"- 1: {ReplaySkips.BadDuration}", output);
        Assert.Contains($"- 1: {ReplaySkips.BadDecision}", output);
        Assert.Contains($"- 1: {ReplaySkips.NoDecision}", output);
        Assert.Contains($"- 1: {ReplaySkips.NoMember}", output);
        Assert.Contains($"- 1: {ReplayAssumptions.NoGroups}", output);
        Assert.Contains($"- 1: {ReplayAssumptions.DecisionFromStore}", output);
    }

    [Fact]
    public void Since_In_The_Future_Is_A_Usage_Error_With_One_Sentence()
    {
        var (code, output, err) = Replay(Policy.ExamplesDir, since: "2999-01-01");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: --since \"2999-01-01\" is", err);
        Assert.Contains("in the future", err);
        var viaCommandLine = Run("policy", "replay", Policy.ExamplesDir, "--since", "2999-01-01", "--connection", Db);
        Assert.Equal(2, viaCommandLine.Code);
    }

    [Fact]
    public void A_Folder_That_Does_Not_Validate_ExitsTwo_With_Its_Problems()
    {
        WriteTodaysFlow();
        using var broken = ExamplesWith("rules/non-production.yaml", "effect: allow", "effect: alow");
        var (code, output, err) = Replay(broken.Dir);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("non-production.yaml:", err);
        Assert.Contains($"Nothing replayed: {broken.Dir} must validate first.", err);
    }

    [Theory]
    [InlineData("policy", "replay")]
    [InlineData("policy", "replay", "/nonexistent/policies")]
    [InlineData("policy", "replay", "EXAMPLES", "--connection", "/nonexistent/jitbot.db")]
    [InlineData("policy", "replay", "EXAMPLES", "--store", "oracle")]
    [InlineData("policy", "replay", "EXAMPLES", "--since", "yesterday-ish")]
    [InlineData("policy", "replay", "EXAMPLES", "--limit", "0")]
    public void BadInput_IsAUsageError_WithASentence(params string[] args)
    {
        args = [.. args.Select(a => a == "EXAMPLES" ? Policy.ExamplesDir : a)];
        var (code, _, err) = Run(args.Contains("--connection") ? args : [.. args, "--connection", Db]);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
    }

    [Fact]
    public void Help_Says_How_To_Use_It()
    {
        var (code, output, _) = Run("policy", "replay", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--since", output);
        Assert.Contains("--store", output);
        Assert.Contains("Exit 0 no change, 1 changes, 2", output);
    }
}
