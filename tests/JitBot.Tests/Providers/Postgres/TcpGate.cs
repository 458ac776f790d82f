using System.Net;
using System.Net.Sockets;

namespace JitBot.Tests.Providers.Postgres;

/// <summary>
/// A local port in front of the PostgreSQL server that a test can switch: <see cref="GateMode.Open"/> passes
/// connections through, <see cref="GateMode.Down"/> refuses them (closes at once), and
/// <see cref="GateMode.Silent"/> accepts them and never answers, like a server that hangs.
/// </summary>
public sealed class TcpGate : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly string _host;
    readonly int _port;
    readonly CancellationTokenSource _stop = new();
    readonly List<TcpClient> _held = [];
    readonly Task _accepting;
    CancellationTokenSource _pipes = new();
    GateMode _mode;

    public TcpGate(string host, int port, GateMode mode = GateMode.Open)
    {
        (_host, _port, _mode) = (host, port, mode);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Switching away from <see cref="GateMode.Open"/> also cuts the connections already through, as a server restart would.</summary>
    public GateMode Mode
    {
        get => _mode;
        set
        {
            _mode = value;
            if (value == GateMode.Open) return;
            var old = Interlocked.Exchange(ref _pipes, new CancellationTokenSource());
            old.Cancel();
            old.Dispose();
        }
    }
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            switch (Mode)
            {
                case GateMode.Down: client.Dispose(); break;
                case GateMode.Silent: lock (_held) _held.Add(client); break;
                default: _ = PipeAsync(client); break;
            }
        }
    }

    async Task PipeAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        using (var cut = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, _pipes.Token))
        {
            try
            {
                await server.ConnectAsync(_host, _port, cut.Token);
                var a = client.GetStream().CopyToAsync(server.GetStream(), cut.Token);
                var b = server.GetStream().CopyToAsync(client.GetStream(), cut.Token);
                await Task.WhenAny(a, b);
            }
            catch (Exception) { /* either side went away */ }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_held) foreach (var c in _held) c.Dispose();
        await _accepting;
        _stop.Dispose();
        _pipes.Dispose();
    }
}

public enum GateMode { Open, Down, Silent }
