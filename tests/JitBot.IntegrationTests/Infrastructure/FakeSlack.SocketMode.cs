using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// Socket Mode at the fake Slack: <c>apps.connections.open</c>, with the app-level token <see cref="AppToken"/>,
/// answers a single-use URL on a <see cref="FakeSocketMode"/> server (started with the first call; its connections are timed by <see cref="Clock"/>); any other
/// token gets <c>invalid_auth</c> (none: <c>not_authed</c>), and <see cref="Fail"/> scripts other errors.
/// </summary>
public sealed partial class FakeSlack
{
    public const string AppToken = "xapp-1-A0APP-1-test-app-level-token";

    readonly SemaphoreSlim socketModeStart = new(1, 1);
    FakeSocketMode? socketMode;

    /// <summary>The Socket Mode server the URLs lead to (started now if it is not yet).</summary>
    public async Task<FakeSocketMode> SocketModeAsync()
    {
        await socketModeStart.WaitAsync();
        try
        {
            socketMode ??= await FakeSocketMode.StartAsync(() => Clock);
            return socketMode;
        }
        finally
        {
            socketModeStart.Release();
        }
    }

    async Task AnswerConnectionsOpenAsync(SlackCall call, HttpContext context)
    {
        var answer = call.Token is null ? Error("not_authed")
            : call.Token != AppToken ? Error("invalid_auth")
            : failures.TryGetValue(call.Method, out var failure) ? Error(failure)
            : Ok(("url", (await SocketModeAsync()).NewUrl().ToString()));
        lock (calls) calls.Add(call with { Response = answer });
        await context.Response.WriteAsync(answer.ToJsonString(), Encoding.UTF8);
    }

    async ValueTask DisposeSocketModeAsync()
    {
        if (socketMode is not null) await socketMode.DisposeAsync();
    }
}
