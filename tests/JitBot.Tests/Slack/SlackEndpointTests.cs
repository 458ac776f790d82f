using JitBot.Slack.Dispatch;
using JitBot.Slack.Signing;
using JitBot.SlackApp;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace JitBot.Tests.Slack;

/// <summary>The HTTP side of Slack's request URLs: what a client that sends a broken body gets, and what is logged.</summary>
public class SlackEndpointTests
{
    readonly FakeTimeProvider time = new(Samples.Now);
    readonly FakeLogCollector logs = new();

    SlackEndpoint Endpoint() => new(
        new SlackInbound(new SlackSignatureVerifier("test-signing-secret", time),
            new SlackDispatcher([], [], [], new SlackDeduplication(time))),
        new SlackRefusalLog(time, new FakeLogger<SlackRefusalLog>(logs)),
        new FakeLogger<SlackEndpoint>(logs));

    /// <summary>A request body that breaks after a few bytes, as an aborted upload or a short Content-Length does.</summary>
    sealed class BrokenBody(Exception error) : Stream
    {
        int reads;
        public override int Read(byte[] buffer, int offset, int count) => throw error;
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (reads++ > 0) throw error;
            "payload="u8.CopyTo(buffer.Span);
            return ValueTask.FromResult(8);
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    public static TheoryData<string> BrokenBodies => ["short of its Content-Length", "reset by the client", "too slow"];

    static Exception ErrorFor(string how) => how switch
    {
        "short of its Content-Length" => new BadHttpRequestException("Unexpected end of request content.", 400),
        "reset by the client" => new IOException("The client reset the request stream."),
        _ => new BadHttpRequestException("Reading the request body timed out due to data arriving too slowly.", 408),
    };

    [Theory]
    [MemberData(nameof(BrokenBodies))]
    public async Task BodyThatCannotBeRead_IsA400_WithOneLineAndNoStackTrace(string how)
    {
        var context = new DefaultHttpContext { Request = { Body = new BrokenBody(ErrorFor(how)) } };

        await Endpoint().HandleAsync(context, SlackInboundKind.Interaction);

        Assert.Equal(400, context.Response.StatusCode);
        var line = Assert.Single(logs.GetSnapshot());
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Null(line.Exception);
    }

    [Fact]
    public async Task BodyOfAnAbortedRequest_IsDroppedQuietly()
    {
        using var aborted = new CancellationTokenSource();
        await aborted.CancelAsync();
        var context = new DefaultHttpContext
        {
            RequestAborted = aborted.Token,
            Request = { Body = new BrokenBody(new OperationCanceledException(aborted.Token)) },
            Response = { Body = new MemoryStream() },
        };

        await Endpoint().HandleAsync(context, SlackInboundKind.Command);

        Assert.All(logs.GetSnapshot(), r => Assert.Null(r.Exception));
        Assert.Equal(0, context.Response.Body.Length); // nobody is listening for an answer
    }
}
