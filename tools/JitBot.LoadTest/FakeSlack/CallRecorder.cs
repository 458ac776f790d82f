using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace JitBot.LoadTest.FakeSlack;

/// <summary>
/// Writes every Web API call the fake served to a tab-separated file, one line a call, from one background
/// writer so the request path only queues a line: Unix ms received, method, HTTP status, channel, text.
/// The file is flushed whenever the queue runs dry, so it can be read while the fake still runs.
/// </summary>
internal sealed class CallRecorder : IAsyncDisposable
{
    readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    readonly Task _writer;

    public CallRecorder(string path) => _writer = WriteAsync(path);

    /// <summary>The most of a call's text kept: enough for a message about 50 grants (one line each).</summary>
    public const int TextChars = 12_000;

    public void Record(long atMs, string method, int status, string? channel, string? text)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{atMs}\t{method}\t{status}\t{Clean(channel, 40)}\t{Clean(text, TextChars)}");
        _lines.Writer.TryWrite(line);
    }

    static string Clean(string? text, int max)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var s = text.Length > max ? text[..max] : text;
        return s.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
    }

    async Task WriteAsync(string path)
    {
        await using var file = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16);
        while (await _lines.Reader.WaitToReadAsync())
        {
            while (_lines.Reader.TryRead(out var line)) await file.WriteLineAsync(line);
            await file.FlushAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _writer;
    }
}
