using System.Net.WebSockets;
using JitBot.Common;
using JitBot.Slack.SocketMode;

namespace JitBot.SlackApp.SocketMode;

/// <summary>
/// One Socket Mode connection: reads Slack's messages, notes <c>hello</c> and <c>disconnect</c>, and hands each
/// envelope to <see cref="SocketModeEnvelopes"/> without waiting for it (several are worked on at once), sending
/// each acknowledgement back on this connection. The work an envelope started is never cancelled, like an HTTP
/// request during a graceful shutdown: it goes on if the connection drops (Slack then delivers the envelope again
/// on another connection, and it gets the same answer there), and a closing connection waits a few seconds for it.
/// </summary>
internal sealed class SocketModeLink(ISocketModeSocket socket, SocketModeEnvelopes envelopes, ILogger logger, int number)
{
    /// <summary><see cref="Ended"/>'s reason when the connection closed or failed without a <c>disconnect</c> first.</summary>
    public const string Dropped = "dropped";

    /// <summary>How long a closing connection waits for the answers to envelopes that came in on it.</summary>
    static readonly TimeSpan AnswersWait = TimeSpan.FromSeconds(5);

    readonly TaskCompletionSource hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource<string> ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly List<Task> answering = [];
    Task receiving = Task.CompletedTask;

    public int Number => number;

    /// <summary>Completes when Slack's <c>hello</c> arrives; cancelled when the connection ends before it.</summary>
    public Task Hello => hello.Task;

    /// <summary>
    /// Completes with the <c>disconnect</c> reason when Slack announces the end of this connection (it stays open,
    /// and keeps delivering, until it is closed), or <see cref="Dropped"/> when it ends without one.
    /// </summary>
    public Task<string> Ended => ended.Task;

    public void Start() => receiving = ReceiveAsync();

    async Task ReceiveAsync()
    {
        await Task.Yield();
        try
        {
            while (await socket.ReceiveAsync(CancellationToken.None) is { } text)
            {
                if (!SocketModeMessage.TryRead(text, out var message, out var problem))
                {
                    logger.LogWarning("Ignored a message on Socket Mode connection {Connection}: {Problem}", number, problem);
                    continue;
                }
                switch (message.Type)
                {
                    case SocketModeMessage.Hello:
                        hello.TrySetResult();
                        break;
                    case SocketModeMessage.Disconnect:
                        ended.TrySetResult(message.Reason ?? "unknown");
                        break;
                    default:
                        if (message.EnvelopeId is not null) Track(AnswerAsync(message));
                        break;
                }
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Socket Mode connection {Connection} failed while reading", number);
        }
        finally
        {
            hello.TrySetCanceled();
            ended.TrySetResult(Dropped);
        }
    }

    void Track(Task task)
    {
        lock (answering)
        {
            answering.RemoveAll(t => t.IsCompleted);
            answering.Add(task);
        }
    }

    async Task AnswerAsync(SocketModeMessage envelope)
    {
        var ack = await envelopes.HandleAsync(envelope, CancellationToken.None);
        try
        {
            await socket.SendAsync(ack, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            logger.LogInformation("The acknowledgement of the {Type} envelope {Envelope} could not be sent on Socket Mode connection {Connection}, which has closed; Slack will deliver it again",
                envelope.Type, LogText.Safe(envelope.EnvelopeId), number);
        }
    }

    /// <summary>
    /// Answers what came in on this connection (waiting a few seconds at most), then closes it and lets go of it.
    /// The waits are the network's (real time), not the bot's clock.
    /// </summary>
    public async Task CloseAsync()
    {
        Task[] pending;
        lock (answering) pending = answering.ToArray();
        try
        {
            await Task.WhenAll(pending).WaitAsync(AnswersWait);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
        }
        await socket.CloseAsync();
        try
        {
            await receiving.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }
        await socket.DisposeAsync();
    }
}
