using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// A fake Socket Mode server on 127.0.0.1 (real Kestrel, real WebSockets): the URLs the fake Slack's
/// <c>apps.connections.open</c> hands out lead here. Each connection gets <c>hello</c> (unless withheld), and the
/// test sends envelopes and <c>disconnect</c> messages on it and reads the bot's acknowledgements
/// (<see cref="FakeSocketModeConnection"/>). What happens is also kept in order in <see cref="Timeline"/>, with the
/// bot's clock, so a test can say which connection opened before which closed.
/// </summary>
public sealed class FakeSocketMode : IAsyncDisposable
{
    WebApplication app = null!;
    Uri baseUrl = null!;
    readonly List<FakeSocketModeConnection> connections = [];
    readonly List<string> timeline = [];
    int urls;
    int withheldHellos;

    readonly Func<TimeProvider> clock;

    FakeSocketMode(Func<TimeProvider> clock) => this.clock = clock;

    /// <summary>A server that notes when each connection arrived by <paramref name="clock"/> (the bot's).</summary>
    public static async Task<FakeSocketMode> StartAsync(Func<TimeProvider> clock)
    {
        var fake = new FakeSocketMode(clock);
        var (app, baseUrl) = await LoopbackServer.StartAsync(server =>
        {
            server.UseWebSockets();
            server.Map("/link/{n}", (HttpContext context) => fake.AcceptAsync(context));
        });
        fake.app = app;
        fake.baseUrl = baseUrl;
        return fake;
    }

    /// <summary>A new single-use connection URL, as <c>apps.connections.open</c> answers (ws:// here, wss:// at Slack).</summary>
    public Uri NewUrl() =>
        new($"ws://{baseUrl.Authority}/link/{Interlocked.Increment(ref urls)}?ticket={Guid.NewGuid():N}&app_id={FakeSlack.AppId}");

    /// <summary>The next <paramref name="times"/> connections get no <c>hello</c>.</summary>
    public void WithholdHello(int times) => Volatile.Write(ref withheldHellos, times);

    public IReadOnlyList<FakeSocketModeConnection> Connections
    {
        get { lock (connections) return connections.ToList(); }
    }

    /// <summary>What happened, in order: "open 1", "closed by bot 1", "dropped 1".</summary>
    public IReadOnlyList<string> Timeline
    {
        get { lock (timeline) return timeline.ToList(); }
    }

    internal void Note(string what)
    {
        lock (timeline) timeline.Add(what);
    }

    /// <summary>Waits (in real time) for the <paramref name="number"/>th connection (1 is the first).</summary>
    public async Task<FakeSocketModeConnection> ConnectionAsync(int number, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var all = Connections;
            if (all.Count >= number && all[number - 1].Ready) return all[number - 1];
            if (DateTime.UtcNow > deadline) Assert.Fail($"The bot never opened Socket Mode connection {number}. Timeline: {string.Join(", ", Timeline)}");
            await Task.Delay(20);
        }
    }

    async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }
        var socket = await context.WebSockets.AcceptWebSocketAsync();
        FakeSocketModeConnection connection;
        lock (connections)
        {
            connection = new FakeSocketModeConnection(this, socket, connections.Count + 1, clock().GetUtcNow(), context.Abort);
            connections.Add(connection);
        }
        Note($"open {connection.Number}");
        if (Interlocked.Decrement(ref withheldHellos) < 0)
        {
            await connection.SendAsync(new JsonObject
            {
                ["type"] = "hello",
                ["num_connections"] = 1,
                ["debug_info"] = new JsonObject { ["host"] = "fake-socket-mode", ["approximate_connection_time"] = 18060 },
                ["connection_info"] = new JsonObject { ["app_id"] = FakeSlack.AppId },
            });
        }
        connection.Ready = true;
        await connection.ReadAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in Connections) c.Drop();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
