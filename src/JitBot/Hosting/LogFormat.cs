using System.Text.Encodings.Web;
using System.Text.Json;
using JitBot.Common;

namespace JitBot.Hosting;

/// <summary>
/// <c>Logging:Format</c>: <c>plain</c> (the default) keeps ASP.NET Core's console lines; <c>json</c> writes one JSON
/// object a line (the JSON console formatter, with scopes), each message-template value a field of its
/// <c>State</c> (<c>RequestId</c>, <c>GrantId</c>, …). Any other value stops start-up with a sentence.
/// </summary>
public static class LogFormat
{
    public const string Key = "Logging:Format";

    public static IHostApplicationBuilder AddLogFormat(this IHostApplicationBuilder builder)
    {
        var format = builder.Configuration[Key]?.Trim();
        if (string.IsNullOrEmpty(format) || format.Equals("plain", StringComparison.OrdinalIgnoreCase)) return builder;
        if (!format.Equals("json", StringComparison.OrdinalIgnoreCase))
            throw new StartupException([Settings.Invalid(Key, $"is \"{LogText.Safe(format)}\", which is not a log format: use json (one JSON object a line) or plain (the default)")]);

        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'";
            // Quotes, backslashes and control characters are still escaped (no line can be forged); a log is not
            // HTML, so ' + < > & stay as they are and the lines stay readable.
            o.JsonWriterOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        });
        return builder;
    }
}
