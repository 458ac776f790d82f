using System.Diagnostics.Metrics;
using JitBot.Common;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace JitBot.Hosting;

/// <summary>The settings under <c>Metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Whether <c>GET /metrics</c> is served (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// When set, <c>/metrics</c> answers only requests to this port (which <c>ASPNETCORE_URLS</c> must also name),
    /// so it can stay off the address Slack's requests come in on; 0 (the default) serves it on every address.
    /// </summary>
    public int Port { get; set; }
}

/// <summary>
/// <c>GET /metrics</c>: every instrument of the <c>JitBot</c> meter in Prometheus' text format, through
/// OpenTelemetry's Prometheus exporter. Counts and durations only: no ids, names, tokens or other text a person
/// wrote. The instruments are listed in docs/operations.md.
/// </summary>
public static class MetricsExport
{
    public const string Path = "/metrics";

    /// <summary>The metrics settings, checked: a port outside 0–65535 stops start-up with a sentence.</summary>
    public static MetricsOptions Read(IConfiguration configuration)
    {
        var options = new MetricsOptions();
        try
        {
            configuration.GetSection(MetricsOptions.Section).Bind(options);
        }
        catch (InvalidOperationException)
        {
            throw new StartupException([Settings.Invalid("Metrics:Enabled or Metrics:Port", "cannot be read (Enabled is true or false, Port a number)")]);
        }
        if (options.Port is < 0 or > 65535)
            throw new StartupException([Settings.Invalid("Metrics:Port", "must be a port number (1-65535), or 0 to serve /metrics on every address")]);
        return options;
    }

    public static IHostApplicationBuilder AddMetricsExport(this IHostApplicationBuilder builder)
    {
        if (!Read(builder.Configuration).Enabled) return builder;
        builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("jitbot")).WithMetrics(metrics =>
        {
            metrics.AddMeter(JitBotMetrics.MeterName);
            // This host's meter alone: a listener sees every meter named JitBot in the process, and a process can
            // host more than one JitBot (the tests start many side by side).
            ((IDeferredMeterProviderBuilder)metrics).Configure(OwnMetersOnly);
            // Every scrape measures afresh: two scrapes a moment apart must not disagree about a count that changed.
            metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
        });
        return builder;
    }

    static void OwnMetersOnly(IServiceProvider services, MeterProviderBuilder metrics)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        metrics.AddView(instrument => ReferenceEquals(instrument.Meter.Scope, meters) ? null : MetricStreamConfiguration.Drop);
    }

    /// <summary>Maps <c>GET /metrics</c> unless <c>Metrics:Enabled</c> is false; on <c>Metrics:Port</c> alone when that is set.</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        var options = Read(endpoints.ServiceProvider.GetRequiredService<IConfiguration>());
        if (!options.Enabled) return endpoints;
        var endpoint = endpoints.MapPrometheusScrapingEndpoint(Path);
        if (options.Port > 0) endpoint.RequireHost($"*:{options.Port}");
        return endpoints;
    }
}
