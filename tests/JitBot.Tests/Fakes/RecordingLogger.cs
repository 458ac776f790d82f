using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace JitBot.Tests.Fakes;

/// <summary>Keeps every line logged, with its level and exception, so a test can read what reached the log.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, string Text)> Lines { get; } = new();

    public IEnumerable<string> At(LogLevel level) => Lines.Where(l => l.Level == level).Select(l => l.Text);

    public string All => string.Join("\n", Lines.Select(l => l.Text));

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue((logLevel, formatter(state, exception) + (exception is null ? "" : "\n" + exception)));
}
