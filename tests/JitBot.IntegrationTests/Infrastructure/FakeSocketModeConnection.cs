using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>One WebSocket the bot opened to the <see cref="FakeSocketMode"/> server.</summary>
public sealed class FakeSocketModeConnection(FakeSocketMode server, WebSocket socket, int number, DateTimeOffset openedAt, Action abort)
{
    readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> acks = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, bool> dropOnAck = new(StringComparer.Ordinal);
    readonly TaskCompletionSource closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly SemaphoreSlim sending = new(1, 1);
    int envelopes;

    public int Number => number;

    /// <summary>When the bot's clock says the connection arrived.</summary>
    public DateTimeOffset OpenedAt => openedAt;

    internal bool Ready { get; set; }

    /// <summary>Completes when the connection has ended, closed by the bot or dropped.</summary>
    public Task Closed => closed.Task;

    public bool ClosedByBot { get; private set; }

    /// <summary>Every acknowledgement received, in order.</summary>
    public ConcurrentQueue<JsonObject> Acks { get; } = new();

    public async Task SendAsync(JsonObject message)
    {
        await sending.WaitAsync();
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            sending.Release();
        }
    }

    /// <summary>Sends an envelope as Slack does; returns its envelope id (a new one unless given, as for a redelivery).</summary>
    public async Task<string> SendEnvelopeAsync(string type, JsonNode payload, string? envelopeId = null, int retryAttempt = 0,
        string? retryReason = null)
    {
        envelopeId ??= $"env-{number}-{Interlocked.Increment(ref envelopes)}-{Guid.NewGuid():N}";
        acks.GetOrAdd(envelopeId, _ => new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously));
        await SendAsync(new JsonObject
        {
            ["envelope_id"] = envelopeId,
            ["payload"] = payload.DeepClone(),
            ["type"] = type,
            ["accepts_response_payload"] = type != "events_api",
            ["retry_attempt"] = retryAttempt,
            ["retry_reason"] = retryReason ?? "",
        });
        return envelopeId;
    }

    /// <summary>Slack's notice that this connection will end; the bot should open another first.</summary>
    public Task DisconnectAsync(string reason) => SendAsync(new JsonObject
    {
        ["type"] = "disconnect",
        ["reason"] = reason,
        ["debug_info"] = new JsonObject { ["host"] = "fake-socket-mode" },
    });

    /// <summary>The acknowledgement of <paramref name="envelopeId"/> (waiting for it, in real time).</summary>
    public async Task<JsonObject> AckAsync(string envelopeId, TimeSpan? timeout = null)
    {
        var waiting = acks.GetOrAdd(envelopeId, _ => new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            return await waiting.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"No acknowledgement of {envelopeId} on connection {number}. Timeline: {string.Join(", ", server.Timeline)}");
            throw;
        }
    }

    /// <summary>When the bot acknowledges <paramref name="envelopeId"/>, the connection drops and the acknowledgement is lost with it.</summary>
    public void DropOnAck(string envelopeId) => dropOnAck[envelopeId] = true;

    /// <summary>Drops the connection at once (no close handshake), as a network failure would.</summary>
    public void Drop()
    {
        if (closed.Task.IsCompleted) return;
        server.Note($"dropped {number}");
        try
        {
            socket.Abort();
            abort();
        }
        catch (ObjectDisposedException)
        {
            // The request ended meanwhile: nothing left to drop.
        }
    }

    internal async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ClosedByBot = true;
                    server.Note($"closed by bot {number}");
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
                var ack = JsonNode.Parse(message.ToArray())!.AsObject();
                var id = (string?)ack["envelope_id"] ?? "";
                if (dropOnAck.TryRemove(id, out _))
                {
                    Drop();
                    return;
                }
                Acks.Enqueue(ack);
                acks.GetOrAdd(id, _ => new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(ack);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            closed.TrySetResult();
        }
    }
}
