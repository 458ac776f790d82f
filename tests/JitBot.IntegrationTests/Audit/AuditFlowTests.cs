using System.Text.Json;
using JitBot.Audit;
using JitBot.Cli;
using JitBot.IntegrationTests.EndToEnd;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.Audit;

public sealed class LiteDbAuditFlowTests : AuditFlowTests
{
    protected override BotStorage NewStorage() => BotStorage.LiteDb();
}

public sealed class PostgresAuditFlowTests : AuditFlowTests
{
    protected override BotStorage NewStorage() => BotStorage.Postgres();
}

/// <summary>
/// The audit tools on a log recorded by the real bot (request → approve → grant → expire, and a denial): verify
/// and export through the command line, each kind of tampering done to the raw database and detected, the chain
/// head anchored in the admin channel and the checkpoint file, and <c>/access audit</c> for admins only.
/// </summary>
public abstract class AuditFlowTests : WorkspaceTests
{
    const string AdminChannel = "C0ADMIN01";
    readonly string dir = Directory.CreateTempSubdirectory("jitbot-audit-").FullName;
    string Checkpoint => Path.Combine(dir, "checkpoint.json");

    protected abstract BotStorage NewStorage();

    protected override Task<Workspace> StartWorkspaceAsync() => Workspace.StartAsync(storage: NewStorage, settings: new Dictionary<string, string?>
    {
        ["Slack:AdminChannel"] = AdminChannel,
        ["Audit:CheckpointPath"] = Checkpoint,
        ["Audit:Admins"] = $"{People.Ana},{People.CheckoutOncall}",
    });

    protected override bool AssertNoSlackProblems => false;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>Request → approve → grant → expire, and a denial; returns the last event's seq.</summary>
    async Task<long> RecordFlowAsync()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because INC-4312 payouts stuck");
        var post = await w.ApprovalPostedAsync();
        await w.ClickAsync(People.Ana, approve: true, post);
        await w.DirectMessageAsync(People.Ben, "You have access to `payments-api-prod`");
        Assert.Contains("denied", await w.AskAsync(People.Eve, "payments-db for 1h because =cmd|' /C calc'!A0"));
        w.Clock.Advance(TimeSpan.FromMinutes(61));
        await w.DirectMessageAsync(People.Ben, "expired", TimeSpan.FromSeconds(30));
        var store = w.Bot.Services.GetRequiredService<IAccessStore>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await store.ReadAuditAsync(0, 10_000, CancellationToken.None)).Any(r => r.Event.Kind == AuditKinds.GrantExpired))
        {
            Assert.True(DateTime.UtcNow < deadline, "grant.expired was never recorded");
            await Task.Delay(50);
        }
        return await store.LastAuditSeqAsync(CancellationToken.None);
    }

    (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = JitBotCommandLine.Run([.. args, "--store", w.Storage.Provider, "--connection", w.Storage.ConnectionString], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task RecordedFlow_Verifies_AndExportsAsJsonLinesAndCsv()
    {
        var last = await RecordFlowAsync();
        await w.RestartAsync(whileStopped: () =>
        {
            // Anchored on shutdown: the checkpoint holds the head.
            var anchor = AuditCheckpoint.ReadFrom(Checkpoint);
            Assert.NotNull(anchor);
            Assert.Equal(last, anchor.Seq);

            var verify = Cli("audit", "verify", "--checkpoint", Checkpoint);
            Assert.True(verify.Code == 0, verify.Out + verify.Err);
            Assert.Contains($"Intact: {last} events", verify.Out);
            Assert.Contains("checkpoint", verify.Out);

            var jsonl = Cli("audit", "export", "--format", "jsonl");
            Assert.Equal(0, jsonl.Code);
            var lines = jsonl.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(last, lines.Length);
            var kinds = lines.Select(l => JsonDocument.Parse(l).RootElement).Select(e =>
            {
                Assert.Equal(64, e.GetProperty("hash").GetString()!.Length);
                Assert.Equal(64, e.GetProperty("prev_hash").GetString()!.Length);
                Assert.True(e.GetProperty("seq").GetInt64() > 0);
                return e.GetProperty("kind").GetString();
            }).ToList();
            Assert.Contains(AuditKinds.RequestSubmitted, kinds);
            Assert.Contains(AuditKinds.RequestApproved, kinds);
            Assert.Contains(AuditKinds.GrantStarted, kinds);
            Assert.Contains(AuditKinds.GrantExpired, kinds);

            var outFile = Path.Combine(dir, "audit.csv");
            var csv = Cli("audit", "export", "--format", "csv", "--out", outFile);
            Assert.True(csv.Code == 0, csv.Err);
            var text = File.ReadAllText(outFile);
            Assert.StartsWith("seq,at,kind,actor,request,grant,data,prev_hash,hash\r\n", text);
            Assert.Equal(last + 1, text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
            // The denied request's reason starts with "=": inside the data cell it is JSON, quoted; never a bare formula cell.
            Assert.DoesNotContain(",=", text);
            Assert.Contains("\"{\"\"", text);

            var future = Cli("audit", "export", "--since", "2999-01-01");
            Assert.Equal(2, future.Code);
            Assert.Contains("in the future", future.Err);

            var recent = Cli("audit", "export", "--since", "2000-01-01", "--until", "2000-01-02", "--format", "csv");
            Assert.Equal(0, recent.Code);
            Assert.Equal("seq,at,kind,actor,request,grant,data,prev_hash,hash\n", recent.Out.Replace("\r\n", "\n"));
        });
    }

    public static readonly TheoryData<string> Tamperings = ["edit", "delete", "insert", "reorder", "truncate", "rewrite"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task Tampering_IsDetected_AndTheFirstBadEventNamed(string how)
    {
        var last = await RecordFlowAsync();
        Assert.True(last >= 8, $"the flow recorded only {last} events");
        const long k = 4;
        await w.RestartAsync(whileStopped: () =>
        {
            var raw = RawAuditTable.For(w.Storage);
            switch (how)
            {
                case "edit":
                    raw.SetText(k, "actor", "U0MALLORY");
                    break;
                case "delete":
                    raw.Delete(k);
                    break;
                case "insert":
                    for (var s = last; s >= k; s--) raw.ChangeSeq(s, s + 1);
                    raw.CopyRow(k - 1, k);
                    break;
                case "reorder":
                    raw.ChangeSeq(k, -1);
                    raw.ChangeSeq(k + 1, k);
                    raw.ChangeSeq(-1, k + 1);
                    break;
                case "truncate":
                    for (var s = k; s <= last; s++) raw.Delete(s);
                    break;
                case "rewrite":
                    raw.SetText(k, "actor", "U0MALLORY");
                    Rechain(raw, k);
                    break;
            }

            var verify = Cli("audit", "verify", "--checkpoint", Checkpoint);
            Assert.True(verify.Code == 1, $"{how}: exit {verify.Code}\n{verify.Out}{verify.Err}");
            Assert.Contains("BROKEN", verify.Out);
            if (how is "truncate")
                Assert.Contains($"truncated: it ends at event {k - 1}", verify.Out);
            else if (how is "delete")
                Assert.Contains($"Event {k} is missing", verify.Out);
            else if (how is "rewrite")
                Assert.Contains($"Event {last} (", verify.Out);
            else
                Assert.Contains($"BROKEN at event {k} (", verify.Out);
        });
    }

    /// <summary>Recomputes every hash from <paramref name="from"/> on, as someone rewriting the log would.</summary>
    void Rechain(RawAuditTable raw, long from)
    {
        var store = CliStore.OpenAsync(new CliStoreOptions(w.Storage.Provider, w.Storage.ConnectionString), CancellationToken.None).GetAwaiter().GetResult();
        IReadOnlyList<AuditRecord> records;
        try
        {
            records = store.ReadAuditAsync(0, 100_000, CancellationToken.None).GetAwaiter().GetResult();
        }
        finally
        {
            CliStore.Close(store);
        }
        var previous = records.First(r => r.Seq == from - 1).Hash;
        foreach (var r in records.Where(r => r.Seq >= from))
        {
            var hash = AuditChain.Hash(previous, r.Seq, r.Event);
            raw.SetText(r.Seq, "prev_hash", previous);
            raw.SetText(r.Seq, "hash", hash);
            previous = hash;
        }
    }

    [Fact]
    public async Task ChainHead_IsPostedToTheAdminChannel_DailyAndOnShutdown()
    {
        var last = await RecordFlowAsync();
        await w.Slack.WaitForAsync(c => AnchorPosts(c).Count >= 1, "a first anchor in the admin channel");
        var first = AnchorPosts(w.Slack.Calls).Count;
        w.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await w.Slack.WaitForAsync(c => AnchorPosts(c).Count > first, "the next day's anchor", TimeSpan.FromSeconds(30));
        Assert.Contains($"event *{last}*", AnchorPosts(w.Slack.Calls)[^1].RawBody);
        Assert.Equal(last, AuditCheckpoint.ReadFrom(Checkpoint)!.Seq);

        var before = AnchorPosts(w.Slack.Calls).Count;
        w.Clock.Advance(TimeSpan.FromSeconds(30)); // less than a day: only the shutdown anchors again
        await w.RestartAsync(whileStopped: () => Assert.True(AuditCheckpoint.ReadFrom(Checkpoint)!.At >= w.Clock.GetUtcNow().AddMinutes(-1)));
        // The shutdown anchor was queued in the outbox: posted before the stop, or after the start (at once, or once
        // the stopped bot's claim on it has run out, NotificationDispatcher.ClaimLease), never lost.
        var realDeadline = DateTime.UtcNow.AddSeconds(10);
        while (AnchorPosts(w.Slack.Calls).Count <= before && DateTime.UtcNow < realDeadline) await Task.Delay(100);
        if (AnchorPosts(w.Slack.Calls).Count <= before) w.Clock.Advance(NotificationDispatcher.ClaimLease + TimeSpan.FromSeconds(10));
        await w.Slack.WaitForAsync(c => AnchorPosts(c).Count > before, "the shutdown anchor", TimeSpan.FromSeconds(30));
    }

    static List<SlackCall> AnchorPosts(IReadOnlyList<SlackCall> calls) =>
        calls.Where(c => c.Method == "chat.postMessage" && c.Channel == AdminChannel && c.RawBody.Contains("Audit chain head", StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task AccessAudit_ShowsAdminsTheRecentEvents_AndRefusesOthers()
    {
        await RecordFlowAsync();

        var byResource = await w.AskAsync(People.Ana, "audit payments-api-prod");
        Assert.Contains("audit events for `payments-api-prod`", byResource);
        Assert.Contains(AuditKinds.GrantExpired, byResource);
        Assert.Contains("<!date^", byResource);
        Assert.True(byResource.IndexOf(AuditKinds.GrantExpired, StringComparison.Ordinal) < byResource.IndexOf(AuditKinds.RequestSubmitted, StringComparison.Ordinal),
            "newest first");
        Assert.DoesNotContain("payments-db`", byResource);

        var byPerson = await w.AskAsync(People.Lea, $"audit <@{People.Eve}|eve>"); // an admin through the user group
        Assert.Contains(AuditKinds.RequestSubmitted, byPerson);
        Assert.Contains("=cmd|", byPerson);
        Assert.DoesNotContain(AuditKinds.GrantExpired, byPerson);

        var refused = await w.AskAsync(People.Ben, "audit payments-api-prod");
        Assert.Contains("is for JitBot's admins", refused);
        Assert.DoesNotContain(AuditKinds.RequestSubmitted, refused);
    }
}
