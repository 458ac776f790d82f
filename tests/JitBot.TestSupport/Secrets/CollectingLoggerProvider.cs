using Microsoft.Extensions.Logging;

namespace JitBot.TestSupport.Secrets;

/// <summary>Writes every log record it is given, one line each (level, category, message, exception), for the run's secret scan.</summary>
public sealed class CollectingLoggerProvider(TextWriter writer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, writer);

    public void Dispose() { }

    sealed class Logger(string category, TextWriter writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                writer.WriteLine($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
            catch (ObjectDisposedException)
            {
                // A line logged after the host's collection closed: the host is gone, nothing to keep it for.
            }
        }
    }
}
