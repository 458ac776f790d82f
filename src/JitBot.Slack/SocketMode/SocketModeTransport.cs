using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace JitBot.Slack.SocketMode;

/// <summary>Opens a WebSocket to the URL <c>apps.connections.open</c> gave. The seam between the Socket Mode client and the network.</summary>
public interface ISocketModeConnector
{
    Task<ISocketModeSocket> ConnectAsync(Uri url, CancellationToken cancellationToken);
}

/// <summary>One open WebSocket: text messages in and out.</summary>
public interface ISocketModeSocket : IAsyncDisposable
{
    /// <summary>The next text message; null once the connection is closed (by either side, or dropped).</summary>
    Task<string?> ReceiveAsync(CancellationToken cancellationToken);

    /// <summary>Sends one text message. Safe to call from several threads: sends go one at a time.</summary>
    Task SendAsync(string text, CancellationToken cancellationToken);

    /// <summary>Closes the connection politely (waiting at most a few seconds for Slack to agree).</summary>
    Task CloseAsync();
}

/// <summary>
/// <see cref="ClientWebSocket"/>: pings every 5 seconds and treats 30 seconds without an answer as a dead link
/// (as Slack's own clients do), so a connection that silently stopped is noticed and replaced.
/// </summary>
public sealed class WebSocketConnector : ISocketModeConnector
{
    public static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(30);

    public async Task<ISocketModeSocket> ConnectAsync(Uri url, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = PingInterval;
        socket.Options.KeepAliveTimeout = PingTimeout;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await socket.ConnectAsync(url, timeout.Token).ConfigureAwait(false);
            return new Socket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    sealed class Socket(ClientWebSocket socket) : ISocketModeSocket
    {
        /// <summary>Slack's messages are a few kB; a larger one is refused rather than buffered without end.</summary>
        const int MaxMessageBytes = 4 * 1024 * 1024;

        readonly SemaphoreSlim sending = new(1, 1);

        public async Task<string?> ReceiveAsync(CancellationToken cancellationToken)
        {
            var buffer = new ArrayBufferWriter<byte>(8 * 1024);
            while (true)
            {
                ValueWebSocketReceiveResult result;
                try
                {
                    result = await socket.ReceiveAsync(buffer.GetMemory(8 * 1024), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
                {
                    return null;
                }
                if (result.MessageType == WebSocketMessageType.Close) return null;
                buffer.Advance(result.Count);
                if (buffer.WrittenCount > MaxMessageBytes) return null;
                if (!result.EndOfMessage) continue;
                if (result.MessageType == WebSocketMessageType.Text) return Encoding.UTF8.GetString(buffer.WrittenSpan);
                buffer.Clear();
            }
        }

        public async Task SendAsync(string text, CancellationToken cancellationToken)
        {
            await sending.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                sending.Release();
            }
        }

        public async Task CloseAsync()
        {
            if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "reconnecting", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                socket.Abort();
            }
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            sending.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
