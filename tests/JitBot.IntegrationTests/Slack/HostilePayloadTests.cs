using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using NSubstitute;

namespace JitBot.IntegrationTests.Slack;

/// <summary>
/// Signed requests that are not what Slack sends (the payloads in TestData/payloads, and bodies that are not
/// UTF-8): each is a 400 with one log line and no stack trace, and nothing reaches the lifecycle or Slack.
/// </summary>
public sealed class HostilePayloadTests : IAsyncLifetime
{
    static readonly string PayloadFolder = Path.Combine(AppContext.BaseDirectory, "TestData", "payloads");

    EdgeBot edge = null!;

    public async Task InitializeAsync()
    {
        edge = await EdgeBot.StartAsync();
        await edge.ApprovalPostedAsync();
    }

    public async Task DisposeAsync() => await edge.DisposeAsync();

    public static TheoryData<string> Payloads =>
        new(Directory.EnumerateFiles(PayloadFolder, "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task SignedButMalformedPayload_Is400_WithOneLogLineAndNoStackTrace(string file)
    {
        var json = await File.ReadAllTextAsync(Path.Combine(PayloadFolder, file));
        var request = file.StartsWith("event.", StringComparison.Ordinal)
            ? edge.Bot.Signer.Signed("/slack/events", json, "application/json")
            : edge.Bot.Signer.Interaction(json);

        await AssertRefusedAsync(request);
    }

    public static TheoryData<string, string, byte[]> NotUtf8 => new()
    {
        { "an event type", "/slack/events", Bytes("""{"type":"event_callback","event_id":"Ev0BADUTF8","event":{"type":"app_home_""", [0xFF], "\"}}") },
        { "a command's raw text", "/slack/commands", Bytes("command=%2Faccess&user_id=U0REQUESTER&text=payments-db+", [0xC3], "") },
        { "a command's escaped text", "/slack/commands", Bytes("command=%2Faccess&user_id=U0REQUESTER&text=payments-db+%FF", [], "") },
        { "a click's escaped payload", "/slack/interactions", Bytes("payload=%7B%22type%22%3A%22block_actions%22%2C%22x%22%3A%22%C3%28%22%7D", [], "") },
    };

    [Theory]
    [MemberData(nameof(NotUtf8))]
    public async Task SignedBodyThatIsNotUtf8_Is400_WithOneLogLineAndNoStackTrace(string where, string path, byte[] body)
    {
        Assert.NotEmpty(where);
        var contentType = path == "/slack/events" ? "application/json" : "application/x-www-form-urlencoded";
        await AssertRefusedAsync(edge.Bot.Signer.Signed(path, body, contentType));
    }

    async Task AssertRefusedAsync(HttpRequestMessage request)
    {
        edge.Logs.Clear();

        var response = await edge.Bot.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        // JitBot's own lines and ASP.NET Core's (where an unhandled exception would be reported); the host and
        // Quartz may still be announcing their start in the background.
        var records = edge.Logs.GetSnapshot()
            .Where(r => r.Category is { } c && (c.StartsWith("JitBot.", StringComparison.Ordinal) || c.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal)))
            .ToList();
        Assert.True(records.Count == 1, "Expected one log line, got:\n" + string.Join("\n", records));
        var line = records[0];
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.StartsWith("Refused a signed Slack", line.Message);
        Assert.Null(line.Exception);
        Assert.Empty(edge.Domain.Requests.ReceivedCalls());
        Assert.DoesNotContain(edge.Slack.Calls, c => c.Method.StartsWith("chat.", StringComparison.Ordinal));
    }

    static byte[] Bytes(string before, byte[] raw, string after) =>
        [.. Encoding.UTF8.GetBytes(before), .. raw, .. Encoding.UTF8.GetBytes(after)];
}
