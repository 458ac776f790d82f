using JitBot.Grants;
using JitBot.Incidents;
using JitBot.Providers.SlackUserGroup;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Signing;
using JitBot.SlackApp.SocketMode;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace JitBot.SlackApp;

public static class SlackAppExtensions
{
    /// <summary>
    /// The Slack side of JitBot: settings (validated on start), the Web API client, the dispatcher and its
    /// handlers, the notifier (<see cref="IAccessNotifier"/>), the group directory (<see cref="IGroupDirectory"/>) and
    /// channel members (<see cref="IChannelMembers"/>).
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
            return new SlackApiClient(http, new SlackApiSettings(options.BotToken, new Uri(baseUrl))
            {
                MessagesPerSecond = options.MessagesPerSecond,
                MessageBurst = options.MessageBurst,
            }, sp.GetRequiredService<TimeProvider>(), new SlackApiMetrics(sp.GetRequiredService<JitBot.Common.JitBotMetrics>().Meter));
        });

        services.AddSingleton(sp => new SlackSignatureVerifier(
            sp.GetRequiredService<IOptions<SlackOptions>>().Value.SigningSecret, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SlackDeduplication>();
        services.AddScoped<SlackDispatcher>();
        services.AddScoped<SlackInbound>();
        services.AddScoped<SlackEndpoint>();
        services.AddSingleton<SlackRefusalLog>();
        services.AddSocketMode();

        services.AddScoped<IIncidentCommands, IncidentCommandHandler>();
        services.AddScoped<ISlashCommandHandler, AccessCommandHandler>();
        services.AddScoped<GrantCommands>();
        foreach (var grantAction in (string[])[GrantButtons.ExtendActionId, GrantButtons.RevokeActionId])
            services.AddScoped<IBlockActionHandler>(sp => new GrantClickHandler(grantAction, sp.GetRequiredService<SlackBackgroundWork>()));
        services.AddScoped<IViewSubmissionHandler, RevokeReasonModal>();
        services.AddSingleton<IGrantNotifier, SlackGrantNotifier>();
        services.AddRequestForm();
        services.AddScoped<IBlockActionHandler>(sp => new ApprovalClickHandler(ApprovalMessage.ApproveActionId, approve: true,
            sp.GetRequiredService<SlackBackgroundWork>()));
        services.AddScoped<IBlockActionHandler>(sp => new ApprovalClickHandler(ApprovalMessage.DenyActionId, approve: false,
            sp.GetRequiredService<SlackBackgroundWork>()));
        services.AddScoped<DenyReasonModal>();
        services.AddScoped<IViewSubmissionHandler, DenyReasonSubmission>();

        foreach (var eventType in (string[])[ChannelArchiveHandler.PublicChannel, ChannelArchiveHandler.PrivateChannel])
            services.AddScoped<ISlackEventHandler>(sp => new ChannelArchiveHandler(eventType, sp.GetRequiredService<SlackBackgroundWork>()));
        services.AddScoped<ISlackEventHandler, AppHomeOpenedHandler>();
        services.AddSingleton<AppHomeViewers>();
        services.AddSingleton<AppHomeRefresher>();
        services.AddSingleton<IAppHomeRefresher>(sp => sp.GetRequiredService<AppHomeRefresher>());
        services.AddSingleton<SlackEventOrigin>();
        // Replaced by the incident lifecycle's own registration, whether it comes before or after this one.
        services.TryAddSingleton<IIncidentChannelEvents, UnhandledChannelEvents>();
        services.AddSingleton<IChannelMembers, SlackChannelMembers>();
        services.AddSingleton<IIncidentChannelStatus, SlackIncidentChannelStatus>();

        services.AddSingleton<ICredentialDelivery, SlackCredentialDelivery>();
        services.AddScoped<IProviderAlerts, SlackProviderAlerts>();
        services.AddSingleton<SlackWorkspace>();
        services.AddHostedService(sp => sp.GetRequiredService<SlackWorkspace>());
        services.AddSingleton<ApprovalClickOrigin>();
        services.AddSingleton<EphemeralReplies>();

        services.AddSingleton<SlackBackgroundWork>();
        services.AddHostedService(sp => sp.GetRequiredService<SlackBackgroundWork>());

        services.AddSingleton<LateAnswers>();
        services.AddSingleton<ILateAnswers>(sp => sp.GetRequiredService<LateAnswers>());
        services.AddHostedService(sp => sp.GetRequiredService<LateAnswers>());

        services.AddSingleton<IncidentAnnouncements>();
        services.AddSingleton<IAccessNotifier, SlackNotifier>();
        services.AddSingleton<IGroupedGrantNotifier, SlackGroupedGrantNotifier>();
        services.AddSingleton<JitBot.Incidents.IIncidentDigests, IncidentDigestPoster>();
        services.AddSingleton<JitBot.Hosting.IPolicyAnnouncements, SlackPolicyAnnouncements>();
        services.AddSingleton<IGroupDirectory, SlackGroupDirectory>();
        services.AddSingleton<IUserGroupMembership, SlackUserGroupMembership>();
        services.AddSingleton<JitBot.Audit.IAuditAnchorNotices, AuditAnchorPoster>();
        services.AddSingleton<AuditCommand>();
        return builder;
    }

    /// <summary>Slack's four request URLs (commands, interactions, events, options). Each checks the signature over the raw body before anything else.</summary>
    public static IEndpointRouteBuilder MapSlackEndpoints(this IEndpointRouteBuilder endpoints)
    {
        foreach (var kind in Enum.GetValues<SlackInboundKind>())
            endpoints.MapPost(SlackEndpoint.PathOf(kind), (HttpContext context) => HandleAsync(context, kind));
        return endpoints;
    }

    static Task HandleAsync(HttpContext context, SlackInboundKind kind) =>
        context.RequestServices.GetRequiredService<SlackEndpoint>().HandleAsync(context, kind);
}
