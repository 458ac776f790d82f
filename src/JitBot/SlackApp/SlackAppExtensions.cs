using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Signing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace JitBot.SlackApp;

public static class SlackAppExtensions
{
    /// <summary>Largest request body accepted from Slack; real payloads are a few kB.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>
    /// The Slack side of JitBot: settings (validated on start), the Web API client, the dispatcher and its
    /// handlers, the notifier (<see cref="IAccessNotifier"/>) and the group directory (<see cref="IGroupDirectory"/>).
    /// </summary>
    public static WebApplicationBuilder AddSlackApp(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IValidateOptions<SlackOptions>, SlackOptionsValidator>();
        services.AddOptions<SlackOptions>().BindConfiguration(SlackOptions.Section).ValidateOnStart();

        services.AddSingleton<ISlackApiClient>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SlackOptions>>().Value;
            var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            {
                Timeout = TimeSpan.FromSeconds(30),
            };
            var baseUrl = options.ApiBaseUrl.EndsWith('/') ? options.ApiBaseUrl : options.ApiBaseUrl + "/";
            return new SlackApiClient(http, new SlackApiSettings(options.BotToken, new Uri(baseUrl)));
        });

        services.AddSingleton(sp => new SlackSignatureVerifier(
            sp.GetRequiredService<IOptions<SlackOptions>>().Value.SigningSecret, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SlackDeduplication>();
        services.AddScoped<SlackDispatcher>();
        services.AddScoped<SlackInbound>();

        services.AddScoped<ISlashCommandHandler, AccessCommandHandler>();
        services.AddScoped<IBlockActionHandler>(sp => new ApprovalClickHandler(ApprovalMessage.ApproveActionId, approve: true,
            sp.GetRequiredService<SlackBackgroundWork>()));
        services.AddScoped<IBlockActionHandler>(sp => new ApprovalClickHandler(ApprovalMessage.DenyActionId, approve: false,
            sp.GetRequiredService<SlackBackgroundWork>()));

        services.AddSingleton<EphemeralReplies>();
        services.AddSingleton<SlackBackgroundWork>();
        services.AddHostedService(sp => sp.GetRequiredService<SlackBackgroundWork>());

        services.AddSingleton<IAccessNotifier, SlackNotifier>();
        services.AddSingleton<IGroupDirectory, SlackGroupDirectory>();
        return builder;
    }

    /// <summary>Slack's three request URLs. Each checks the signature over the raw body before anything else.</summary>
    public static IEndpointRouteBuilder MapSlackEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/slack/commands", (HttpContext context) => HandleAsync(context, SlackInboundKind.Command));
        endpoints.MapPost("/slack/interactions", (HttpContext context) => HandleAsync(context, SlackInboundKind.Interaction));
        endpoints.MapPost("/slack/events", (HttpContext context) => HandleAsync(context, SlackInboundKind.Event));
        return endpoints;
    }

    static async Task HandleAsync(HttpContext context, SlackInboundKind kind)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("JitBot.SlackApp.Endpoints");
        SlackAck ack;
        var body = await ReadBodyAsync(context.Request, context.RequestAborted);
        if (body is null)
        {
            ack = new SlackAck(413, "text/plain; charset=utf-8", "request body too large");
        }
        else
        {
            try
            {
                var inbound = context.RequestServices.GetRequiredService<SlackInbound>();
                ack = await inbound.HandleAsync(kind,
                    context.Request.Headers[Slack.SlackProtocol.TimestampHeader].ToString(),
                    context.Request.Headers[Slack.SlackProtocol.SignatureHeader].ToString(),
                    body, context.RequestAborted);
            }
            catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                // Only reached after the signature check passed (the verifier does not throw): answer Slack
                // with a sentence rather than a 500 that shows users a generic failure.
                logger.LogError(e, "Slack {Kind} request failed", kind);
                ack = kind == SlackInboundKind.Command
                    ? SlackAck.Ephemeral(AccessReplies.Trouble())
                    : SlackAck.Empty;
            }
        }
        if (ack.StatusCode == 401) logger.LogWarning("Rejected a Slack {Kind} request with a missing or invalid signature", kind);

        context.Response.StatusCode = ack.StatusCode;
        if (ack.Body is not null)
        {
            context.Response.ContentType = ack.ContentType ?? "text/plain; charset=utf-8";
            await context.Response.WriteAsync(ack.Body, context.RequestAborted);
        }
    }

    static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
