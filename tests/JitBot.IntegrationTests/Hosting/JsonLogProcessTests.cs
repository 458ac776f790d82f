using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using JitBot.IntegrationTests.EndToEnd;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.SlackApp;
using JitBot.TestSupport.Postgres;
using JitBot.TestSupport.Secrets;
using Npgsql;

namespace JitBot.IntegrationTests.Hosting;

/// <summary>
/// The bot process with <c>Logging:Format=json</c> through a whole run: a PostgreSQL login granted at once, a token
/// granted after an approval, both revoked. Every line it writes is a JSON object, request and grant ids are fields
/// of their lines, and no configured secret or issued credential appears in any line. (The run's whole-run scan reads
/// this process's output too: docs/testing.md.)
/// </summary>
public sealed partial class JsonLogProcessTests : PostgresTestDatabase, IAsyncLifetime
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    FakeSlack slack = null!;
    string policies = "";

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        slack = await FakeSlack.StartAsync();
        Workspace.SeedGroups(slack);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await slack.DisposeAsync();
        await DisposeAsync();
        if (policies.Length > 0) Directory.Delete(policies, recursive: true);
    }

    [GeneratedRegex(@"```(?<secret>[^`]+)```")]
    private static partial Regex ShownOnce();

    [GeneratedRegex(@"as user (?<login>jit_[a-z0-9_]+) with this password")]
    private static partial Regex LoginName();

    static string SigningKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    [Fact]
    public async Task JsonLogs_OfAWholeRun_AreJsonLines_WithIdsAsFields_AndNoSecret()
    {
        Require();
        var role = await NewRoleAsync("payments_staging_ro");
        policies = ExamplePolicies.CopyWithProvider("payments-db-staging", $"{{type: postgres, instance: payments, role: {role}, mode: login}}");
        var webhookSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var signingKey = SigningKey();
        await using var bot = BotProcess.Start(new Dictionary<string, string?>
        {
            ["Slack__BotToken"] = FakeSlack.Token,
            ["Slack__SigningSecret"] = BotHost.SigningSecret,
            ["Slack__ApiBaseUrl"] = slack.ApiBaseUrl.ToString(),
            ["Policies__Path"] = policies,
            ["Providers__postgres__payments__ConnectionString"] = ConnectionString,
            ["Providers__webhook__deploys__Secret"] = webhookSecret,
            ["Providers__token__internal__SigningKey"] = signingKey,
            ["Logging__Format"] = "json",
        });
        using var client = new HttpClient { BaseAddress = bot.BaseAddress, Timeout = Wait };
        await bot.WaitUntilReadyAsync(client, Wait);
        var signer = new SlackSigner(BotHost.SigningSecret, TimeProvider.System) { ResponseUrls = slack.NewResponseUrl };

        // A PostgreSQL login at once; its password by direct message.
        Assert.Contains("approved for", await AskAsync(client, signer, People.Ana, "payments-db-staging for 30m because json log check"));
        var login = await slack.WaitForAsync(c => c.Any(x => IsDm(x, People.Ana, "Your PostgreSQL login")), "the login's password", Wait);
        var loginText = Block(login.First(x => IsDm(x, People.Ana, "Your PostgreSQL login")));
        var password = ShownOnce().Match(loginText).Groups["secret"].Value;
        DropAtEnd(LoginName().Match(loginText).Groups["login"].Value);

        // A token after an approval; the token by direct message.
        Assert.Contains("sent to #payments-access", await AskAsync(client, signer, People.Ben, "payments-admin-api for 30m because INC-4312 json log check"));
        var post = (await slack.WaitForAsync(c => c.Any(IsApprovalPost), "the approval message", Wait)).First(IsApprovalPost);
        var requestId = post.ButtonValue(ApprovalMessage.ApproveActionId)!;
        var token = await ApproveUntilTheTokenComesAsync(client, signer, post, requestId);

        // Both revoked by their holders; the grant ids are read from the JSON log lines.
        var loginGrant = (await LineAsync(bot, l => Message(l).Contains("is in place") && Field(l, "RequestId") != requestId)).State("GrantId");
        var tokenGrant = (await LineAsync(bot, l => Message(l).Contains("is in place") && Field(l, "RequestId") == requestId)).State("GrantId");
        Revoked(await AskAsync(client, signer, People.Ana, $"revoke {loginGrant} because done"));
        Revoked(await AskAsync(client, signer, People.Ben, $"revoke {tokenGrant} because done"));
        await LineAsync(bot, l => Field(l, "GrantId") == loginGrant && Message(l).Contains("was revoked"));
        await LineAsync(bot, l => Field(l, "GrantId") == tokenGrant && Message(l).Contains("was revoked"));

        var lines = bot.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var json = lines.Select(Parse).ToList();
        Assert.All(json, l => Assert.Equal(JsonValueKind.Object, l.ValueKind));
        Assert.All(json, l => Assert.True(l.TryGetProperty("LogLevel", out _) && l.TryGetProperty("Category", out _) && l.TryGetProperty("Message", out _)));
        // Request and grant ids are fields, so a log search finds every line of one request or grant.
        Assert.Contains(json, l => Field(l, "RequestId") == requestId && Field(l, "GrantId") == tokenGrant);
        Assert.True(json.Count(l => Field(l, "GrantId") == tokenGrant) >= 3, "the token grant's lines: in place, revoke asked, revoked");
        Assert.Contains(json, l => Field(l, "RequestId") == requestId && Message(l).StartsWith("Approve on", StringComparison.Ordinal));

        // No configured secret and no issued credential in any line, in any form.
        string[] secrets = [FakeSlack.Token, BotHost.SigningSecret, webhookSecret, signingKey, password, token,
            .. new[] { new NpgsqlConnectionStringBuilder(ConnectionString).Password }.OfType<string>().Where(p => p.Length >= SecretScanner.MinimumLength)];
        Assert.Empty(SecretScanner.Scan(secrets, [("the bot's JSON log", bot.Output)]).Select(f => f.ToString()));
        Assert.DoesNotContain("PRIVATE KEY-----", bot.Output);
    }

    [Fact]
    public async Task ALogFormatThatIsNotOne_StopsStartUp_WithASentence()
    {
        await using var bot = BotProcess.Start(new Dictionary<string, string?>
        {
            ["Slack__BotToken"] = FakeSlack.Token,
            ["Slack__SigningSecret"] = BotHost.SigningSecret,
            ["Slack__ApiBaseUrl"] = slack.ApiBaseUrl.ToString(),
            ["Policies__Path"] = BotHost.PoliciesPath,
            ["Logging__Format"] = "xml",
        });

        Assert.Equal(1, await bot.WaitForExitAsync(Wait));
        Assert.Contains("The setting Logging:Format is \"xml\", which is not a log format: use json (one JSON object a line) or plain (the default).", bot.Output);
        Assert.DoesNotContain("   at ", bot.Output);
    }

    async Task<string> ApproveUntilTheTokenComesAsync(HttpClient client, SlackSigner signer, SlackCall post, string requestId)
    {
        // The bot keeps where its approval message landed just after Slack answers; a click before that is refused
        // and changes nothing, so the click is repeated until the token arrives.
        var deadline = DateTime.UtcNow + Wait;
        while (DateTime.UtcNow < deadline)
        {
            var click = await client.SendAsync(signer.Click(People.Ana, ApprovalMessage.ApproveActionId, requestId, post.ResponseChannel!, post.ResponseTs!));
            Assert.Equal(HttpStatusCode.OK, click.StatusCode);
            var until = DateTime.UtcNow.AddSeconds(2);
            while (DateTime.UtcNow < until)
            {
                if (slack.Calls.FirstOrDefault(x => IsDm(x, People.Ben, "Access token for payments-admin-api")) is { } dm)
                    return ShownOnce().Match(Block(dm)).Groups["secret"].Value;
                await Task.Delay(100);
            }
        }
        Assert.Fail("The token never reached the requester.");
        return "";
    }

    /// <summary>
    /// The revoke's answer, or (on a busy machine) the note that it is under way, after which no answer follows at the
    /// response_url: that the grant was revoked is checked in the log after.
    /// </summary>
    static void Revoked(string answer)
    {
        if (!CommandAnswers.IsUnderWay(answer)) Assert.Contains("is revoked", answer);
    }

    /// <summary>The answer to <c>/access {text}</c>, immediate or late (<see cref="CommandAnswers"/>).</summary>
    async Task<string> AskAsync(HttpClient client, SlackSigner signer, string user, string text) =>
        (await slack.AnswerAsync(client, signer.Command(user, text, "C0PAYMENTS", "payments"), Wait)).Text;

    /// <summary>Waits for a JSON log line that satisfies <paramref name="match"/>.</summary>
    static async Task<JsonLine> LineAsync(BotProcess bot, Func<JsonElement, bool> match)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            foreach (var line in bot.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (Parse(line) is { ValueKind: JsonValueKind.Object } json && match(json)) return new JsonLine(json);
            if (DateTime.UtcNow > deadline) Assert.Fail("No such log line:\n" + bot.Output);
            await Task.Delay(100);
        }
    }

    sealed record JsonLine(JsonElement Json)
    {
        public string State(string name) => Field(Json, name) ?? throw new Xunit.Sdk.XunitException($"No field {name} in {Json}");
    }

    static JsonElement Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            Assert.Fail($"Not a JSON log line: {line}");
            throw;
        }
    }

    static string Message(JsonElement line) => line.GetProperty("Message").GetString() ?? "";

    static string? Field(JsonElement line, string name) =>
        line.TryGetProperty("State", out var state) && state.ValueKind == JsonValueKind.Object && state.TryGetProperty(name, out var value)
            ? value.ToString()
            : null;

    static bool IsDm(SlackCall call, string user, string containing) =>
        call.Method == "chat.postMessage" && call.Channel == user && call.RawBody.Contains(containing, StringComparison.Ordinal);

    static bool IsApprovalPost(SlackCall call) =>
        call.Method == "chat.postMessage" && call.Channel == People.PaymentsChannel && call.ThreadTs is null && call.HasButtons;

    static string Block(SlackCall call) => call.Json?["blocks"]?[0]?["text"]?["text"]?.GetValue<string>() ?? "";
}
