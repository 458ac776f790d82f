using System.Text.RegularExpressions;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Providers;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.SlackApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>The people and groups of the example policies (examples/policies), as the scenarios use them.</summary>
public static class People
{
    public const string Ana = "U0PAY0001";   // payments staff, in @payments-oncall
    public const string Ben = "U0PAY0002";   // payments staff, not on call
    public const string Hana = "U0DAT0002";  // data and payments staff, in @payments-oncall
    public const string Dev = "U0DAT0001";   // data staff: not a payments approver
    public const string Eve = "U0CTR0001";   // payments contractor
    public const string PaymentsOncall = "S01PAYONC";
    public const string PaymentsChannel = "#payments-access";
    public const string Kai = "U0CHK0001";   // checkout staff, not on call
    public const string Lea = "U0CHK0002";   // checkout staff, in @checkout-oncall
    public const string Max = "U0CHK0003";   // checkout staff, in @checkout-oncall
    public const string CheckoutOncall = "S01CHKONC";
    public const string CheckoutChannel = "#checkout-access";
}

/// <summary>
/// One Slack workspace for a scenario: the fake Slack, the fake clock, the real bot host on a test database
/// (LiteDB unless the scenario names PostgreSQL) with the example policies, and a recording stand-in for the
/// provider the examples use.
/// </summary>
public sealed class Workspace : IAsyncDisposable
{
    /// <summary>A Tuesday, 10:00 in London: inside the examples' business-hours windows.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The real current time, to the second: a <c>clockStart</c> for scenarios in which a real system judges times
    /// the bot computed by its own clock (PostgreSQL refuses a login whose <c>VALID UNTIL</c> has passed). The fake
    /// clock still moves only when the test advances it. Scenarios that depend on the day or hour keep <see cref="Start"/>.
    /// Such a clock runs ahead of the real one once advanced, and Quartz, which keeps time by the bot's TimeProvider, then
    /// re-misfires a due trigger without end (a busy loop): such scenarios leave expiry to the sweep (see PostgresLoginTests).
    /// </summary>
    public static DateTimeOffset RealNow() => DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    static readonly string[] AllGroups =
        ["S01PAYENG", "S01PAYONC", "S01PLTENG", "S01PLTONC", "S01DATENG", "S01DATONC", "S01SECURE", "S01DPROT", "S01FINSEC", "S01CHKENG", "S01CHKONC"];

    public FakeSlack Slack { get; }
    public FakeTimeProvider Clock { get; private init; } = new(Start);
    public BotStorage Storage { get; private init; } = null!;
    /// <summary>Plays the examples' <c>record</c> provider, remembering what it granted and revoked (across restarts).</summary>
    public RecordingProvider Provider { get; } = new("record");
    public BotHost Bot { get; private set; } = null!;
    /// <summary>Everything the bot logged, across restarts (for scanning for secrets).</summary>
    public FakeLogCollector Logs { get; } = new();

    string? signingSecret;
    IDictionary<string, string?>? settings;
    Action<IServiceCollection>? services;

    Workspace(FakeSlack slack) => Slack = slack;

    /// <summary>A workspace whose clock starts at <paramref name="clockStart"/> (default <see cref="Start"/>); the clock only moves forward.</summary>
    public static async Task<Workspace> StartAsync(string? signingSecret = null, DateTimeOffset? clockStart = null, Func<BotStorage>? storage = null,
        IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var workspace = new Workspace(await FakeSlack.StartAsync())
        {
            signingSecret = signingSecret,
            settings = settings,
            services = services,
            Clock = new FakeTimeProvider(clockStart ?? Start),
            Storage = (storage ?? BotStorage.LiteDb)(),
        };
        SeedGroups(workspace.Slack);
        workspace.Bot = workspace.StartBot();
        return workspace;
    }

    /// <summary>The example policy's user groups in <paramref name="slack"/>, with the <see cref="People"/> in them.</summary>
    public static void SeedGroups(FakeSlack slack)
    {
        foreach (var group in AllGroups) slack.SetGroup(group);
        slack.SetGroup(People.PaymentsOncall, People.Ana, People.Hana);
        slack.SetGroup("S01PAYENG", People.Ana, People.Ben, People.Hana);
        slack.SetGroup(People.CheckoutOncall, People.Lea, People.Max);
        slack.SetGroup("S01CHKENG", People.Kai, People.Lea, People.Max);
    }

    BotHost StartBot() => BotHost.Start(Slack, Clock, Storage, services: s =>
    {
        s.RemoveAll<IAccessProvider>();
        s.AddSingleton<IAccessProvider>(Provider);
        s.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(Logs));
        services?.Invoke(s);
    }, settings: Settings());

    Dictionary<string, string?> Settings()
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        if (signingSecret is not null) all["Slack:SigningSecret"] = signingSecret;
        return all;
    }

    /// <summary>Stops the bot (as a deploy or a crash would), lets <paramref name="whileStopped"/> happen, starts it again on the same database.</summary>
    public async Task RestartAsync(Action whileStopped)
    {
        await Bot.DisposeAsync();
        AssertReleased(Storage);
        whileStopped();
        Bot = StartBot();
    }

    /// <summary>
    /// Fails, naming the cause, when the stopped bot still holds its LiteDB file (its lock file). A bot started on it
    /// would stop at start-up ("in use by another process"), and its entry point would dispose the host it built, which
    /// <c>WebApplicationFactory.CreateClient</c> reports only as an <see cref="ObjectDisposedException"/>.
    /// <see cref="BotHost.DisposeAsync"/> returns once the file is closed, so this holds unless that changes.
    /// </summary>
    static void AssertReleased(BotStorage storage)
    {
        if (storage.IsPostgres) return;
        try
        {
            using var probe = new FileStream(storage.ConnectionString + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            Assert.Fail($"The stopped bot still holds its LiteDB file {storage.ConnectionString} ({e.Message}); a bot started on it now would not start.");
        }
    }

    /// <summary>
    /// Types <c>/access {text}</c> and returns the ephemeral answer's text: the reply, or the late answer when the bot
    /// acknowledged it with "still working on it" (<see cref="CommandAnswers"/>). Tests about the acknowledgement
    /// itself send the command with <c>Bot.SendAsync</c>.
    /// </summary>
    public async Task<string> AskAsync(string user, string text, string channelId = "C0PAYMENTS", string channelName = "payments")
    {
        var answer = await Slack.AnswerAsync(Bot.Client, Bot.Signer.Command(user, text, channelId, channelName));
        Assert.Equal("ephemeral", answer.ResponseType);
        await ProvisionedAsync(answer.Text);
        return answer.Text;
    }

    /// <summary>
    /// An auto-approved answer ("approved for …, JitBot is setting it up") comes before the provider is asked. Tests go
    /// on to look at the provider's side, so this waits for the provider's answer, as a person waits for the "You have
    /// access" message: until the grant named in <paramref name="answer"/> is provisioned or has failed.
    /// </summary>
    async Task ProvisionedAsync(string answer)
    {
        var named = Regex.Match(answer, @"approved for .*\(grant `(?<id>[^`]+)`\)\. JitBot is setting it up");
        if (!named.Success) return;
        var store = Bot.Services.GetRequiredService<IAccessStore>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await store.UnprovisionedGrantsAsync(DateTimeOffset.UtcNow.AddYears(100), DateTimeOffset.UnixEpoch, 10_000, CancellationToken.None))
               .Any(g => g.Short == named.Groups["id"].Value))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Grant {named.Groups["id"].Value} was never provisioned nor failed.");
            await Task.Delay(25);
        }
    }

    /// <summary>Waits for the approval message with buttons in <paramref name="channel"/>.</summary>
    public async Task<ApprovalPost> ApprovalPostedAsync(string channel = People.PaymentsChannel, int index = 0)
    {
        var calls = await Slack.WaitForAsync(c => Approvals(c, channel).Count > index, $"an approval message in {channel}");
        var post = Approvals(calls, channel)[index];
        var approval = new ApprovalPost(post.ResponseChannel!, post.ResponseTs!, post.ButtonValue(ApprovalMessage.ApproveActionId)!);
        // The bot saves where the message landed right after Slack answers; wait for that too.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var refs = Bot.Services.GetRequiredService<IMessageRefStore>();
        while (await refs.FindAsync(new RequestId(approval.RequestId), ApprovalMessage.Kind, CancellationToken.None) is null)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"The approval message of {approval.RequestId} was never saved.");
            await Task.Delay(25);
        }
        return approval;
    }

    static List<SlackCall> Approvals(IReadOnlyList<SlackCall> calls, string channel) =>
        calls.Where(c => c.Method == "chat.postMessage" && c.Channel == channel && c.ThreadTs is null && c.HasButtons).ToList();

    public Task<HttpResponseMessage> ClickAsync(string user, bool approve, ApprovalPost post, string? actionTs = null) =>
        Bot.SendAsync(Bot.Signer.Click(user, approve ? ApprovalMessage.ApproveActionId : ApprovalMessage.DenyActionId,
            post.RequestId, post.Channel, post.Ts, actionTs));

    /// <summary>Waits for the <paramref name="nth"/> ephemeral message to <paramref name="user"/> and returns its text.</summary>
    public async Task<string> EphemeralToAsync(string user, int nth = 1)
    {
        var calls = await Slack.WaitForAsync(c => c.Count(x => x.Method == "chat.postEphemeral" && x.Arg("user") == user) >= nth,
            $"{nth} ephemeral message(s) to {user}");
        return calls.Where(x => x.Method == "chat.postEphemeral" && x.Arg("user") == user).ElementAt(nth - 1).Text!;
    }

    /// <summary>Waits for a direct message to <paramref name="user"/> whose text contains <paramref name="containing"/>.</summary>
    public async Task<SlackCall> DirectMessageAsync(string user, string containing, TimeSpan? timeout = null)
    {
        var calls = await Slack.WaitForAsync(c => c.Any(x => IsDm(x, user, containing)), $"a DM to {user} containing \"{containing}\"", timeout);
        return calls.First(x => IsDm(x, user, containing));
    }

    static bool IsDm(SlackCall call, string user, string containing) =>
        call.Method == "chat.postMessage" && call.Channel == user && call.RawBody.Contains(containing, StringComparison.Ordinal);

    /// <summary>Waits for a chat.update of the approval message whose content contains <paramref name="containing"/>.</summary>
    public async Task<SlackCall> UpdatedAsync(ApprovalPost post, string containing)
    {
        var calls = await Slack.WaitForAsync(c => c.Any(x => IsUpdate(x, post, containing)), $"an update of {post.Ts} containing \"{containing}\"");
        return calls.Last(x => IsUpdate(x, post, containing));
    }

    static bool IsUpdate(SlackCall call, ApprovalPost post, string containing) =>
        call.Method == "chat.update" && call.Arg("ts") == post.Ts && call.RawBody.Contains(containing, StringComparison.Ordinal);

    public IReadOnlyList<SlackCall> ThreadReplies(ApprovalPost post) =>
        Slack.Calls.Where(c => c.Method == "chat.postMessage" && c.ThreadTs == post.Ts).ToList();

    /// <summary>How many grants the bot stored for the request (a request has at most one).</summary>
    public async Task<long> GrantsAsync(string requestId) =>
        await Bot.Services.GetRequiredService<IAccessStore>().FindGrantByRequestAsync(new RequestId(requestId), CancellationToken.None) is null ? 0 : 1;

    public long ProviderGrants => Provider.Granted.Count;

    public async ValueTask DisposeAsync()
    {
        await Bot.DisposeAsync();
        await Slack.DisposeAsync();
        await Storage.DisposeAsync();
    }
}

/// <summary>An approval message as the bot posted it: where it is and which request its buttons decide.</summary>
public sealed record ApprovalPost(string Channel, string Ts, string RequestId);
