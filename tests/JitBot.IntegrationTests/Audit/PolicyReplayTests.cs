using System.Net;
using JitBot.Cli;
using JitBot.IntegrationTests.EndToEnd;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Requests;

namespace JitBot.IntegrationTests.Audit;

public sealed class LiteDbPolicyReplayTests : PolicyReplayTests
{
    protected override BotStorage NewStorage() => BotStorage.LiteDb();
}

public sealed class PostgresPolicyReplayTests : PolicyReplayTests
{
    protected override BotStorage NewStorage() => BotStorage.Postgres();
}

/// <summary>
/// <c>jitbot policy replay</c> on requests the real bot recorded (an approval, a denial, an automatic grant), run on
/// the stopped bot's store: the examples as they are change nothing; a copy that takes away an auto-approval and
/// shortens a maximum lists exactly the two requests it changes. The same for incident requests: one cut at the
/// incident's end and a channel-wide grant, whose members replay finds in the store.
/// </summary>
public abstract class PolicyReplayTests : WorkspaceTests
{
    protected abstract BotStorage NewStorage();

    protected override Task<Workspace> StartWorkspaceAsync() => Workspace.StartAsync(storage: NewStorage);

    (int Code, string Out, string Err) Replay(string folder)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // The flow happened at the workspace's fake time; --since names a date before it, so the real clock does not matter.
        var code = JitBotCommandLine.Run(["policy", "replay", folder, "--since", "2026-11-01", "--store", w.Storage.Provider, "--connection", w.Storage.ConnectionString],
            stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Ben's 1h on payments-api-prod approved by Ana, Eve's payments-db denied, Ben's 2h on payments-db-dev granted straight away.</summary>
    async Task<string> RecordFlowAsync()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because INC-4312 payouts stuck");
        var post = await w.ApprovalPostedAsync();
        await w.ClickAsync(People.Ana, approve: true, post);
        await w.DirectMessageAsync(People.Ben, "You have access to `payments-api-prod`");
        Assert.Contains("denied", await w.AskAsync(People.Eve, "payments-db for 1h because looking at payouts"));
        await w.AskAsync(People.Ben, "payments-db-dev for 2h because reproducing a payout bug");
        await w.DirectMessageAsync(People.Ben, "You have access to `payments-db-dev`");
        return post.RequestId;
    }

    static string[] Rows(string markdown) => markdown.Split('\n').Where(l => l.StartsWith("| 2026-", StringComparison.Ordinal)).ToArray();

    [Fact]
    public async Task RecordedFlow_Replayed_Unchanged_ExitsZero_And_Changed_ListsExactlyTheChangedRequests()
    {
        var approved = await RecordFlowAsync();
        await w.RestartAsync(whileStopped: () =>
        {
            using var same = new PolicyCopy();
            var unchanged = Replay(same.Dir);
            Assert.True(unchanged.Code == 0, unchanged.Out + unchanged.Err);
            Assert.Contains("**3 requests replayed** since 2026-11-01 00:00 UTC: none would change.", unchanged.Out);
            Assert.Empty(Rows(unchanged.Out));
            Assert.DoesNotContain("Skipped", unchanged.Out);
            Assert.DoesNotContain("assumption", unchanged.Out);

            using var changed = new PolicyCopy()
                .Replace("rules/non-production.yaml", "    duration: {default: 4h, max: 8h}\n    auto_approve: true\n",
                    "    duration: {default: 4h, max: 8h}\n    approval: {from: owner-team, count: 1}\n")
                .Replace("rules/production.yaml", "duration: {default: 1h, max: 4h}", "duration: {default: 30m, max: 30m}");
            var replay = Replay(changed.Dir);
            Assert.True(replay.Code == 1, replay.Out + replay.Err);
            Assert.Contains("**3 requests replayed** since 2026-11-01 00:00 UTC: **2 would change**.", replay.Out);
            var rows = Rows(replay.Out);
            Assert.Equal(2, rows.Length);
            Assert.Contains(rows, r => r.Contains("| Ben \\(U0PAY0002\\) | payments-api-prod | 1 hour | approval: 1 of \\@payments-oncall, 1 hour | " +
                                                  $"approval: 1 of \\@payments-oncall, 30 minutes | {new RequestId(approved).Short} |", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("| Ben \\(U0PAY0002\\) | payments-db-dev | 2 hours | automatic, 2 hours | approval: 1 of \\@payments-oncall, 2 hours |",
                StringComparison.Ordinal));
            Assert.DoesNotContain(rows, r => r.Contains("Eve", StringComparison.Ordinal));
        });
    }

    const string Chloe = "U0PLT0001"; // platform staff: an incident responder for production services
    const string IncidentChannel = "C0INC4312";

    async Task TypeAsync(string user, string text)
    {
        var response = await w.Bot.SendAsync(w.Bot.Signer.Command(user, text, IncidentChannel, "inc-4312"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task IncidentRequests_CutAtTheIncidentsEnd_And_ChannelWide_ReplayAsRecorded_And_A_ShorterMaximum_ListsThem()
    {
        w.Slack.SetChannel(IncidentChannel, Chloe, People.Ben, People.Kai);
        await TypeAsync(People.Ana, "incident start INC-4312 for 30m");
        var reply = await w.AskAsync(Chloe, "payments-api-prod for 1h because INC-4312 payouts stuck", IncidentChannel, "inc-4312");
        Assert.Contains("approved for 30 minutes", reply); // cut at the incident's end
        await TypeAsync(Chloe, "incident grant k8s-prod for 1h");
        var done = await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "chat.update" && x.Channel == IncidentChannel && x.RawBody.Contains("channel-wide: ")),
            "the channel-wide grant's report");
        Assert.Contains("3 of 3 members got it", done.Last(x => x.Method == "chat.update" && x.RawBody.Contains("channel-wide: ")).RawBody);

        await w.RestartAsync(whileStopped: () =>
        {
            using var same = new PolicyCopy();
            var unchanged = Replay(same.Dir);
            Assert.True(unchanged.Code == 0, unchanged.Out + unchanged.Err);
            Assert.Contains("**4 requests replayed** since 2026-11-01 00:00 UTC: none would change.", unchanged.Out);
            Assert.DoesNotContain("Skipped", unchanged.Out);
            Assert.DoesNotContain("assumption", unchanged.Out);

            using var shorter = new PolicyCopy().Replace("rules/production.yaml", "    duration: {default: 1h, max: 2h}\n    auto_approve: true\n",
                "    duration: {default: 20m, max: 20m}\n    auto_approve: true\n");
            var replay = Replay(shorter.Dir);
            Assert.True(replay.Code == 1, replay.Out + replay.Err);
            Assert.Contains("**4 requests replayed** since 2026-11-01 00:00 UTC: **4 would change**.", replay.Out);
            var rows = Rows(replay.Out);
            Assert.Equal(4, rows.Length);
            Assert.Contains(rows, r => r.Contains("| Chloe \\(U0PLT0001\\) | payments-api-prod | 1 hour | automatic, 30 minutes | automatic, 20 minutes |", StringComparison.Ordinal));
            Assert.Equal(3, rows.Count(r => r.Contains("| k8s-prod | 1 hour | automatic, 30 minutes | automatic, 20 minutes |", StringComparison.Ordinal) &&
                                            r.Contains(", channel-wide grant by Chloe \\(U0PLT0001\\)", StringComparison.Ordinal)));
        });
    }
}
