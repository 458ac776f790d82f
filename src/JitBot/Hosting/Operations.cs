namespace JitBot.Hosting;

/// <summary>
/// What operators watch (docs/operations.md): the log format (<see cref="LogFormat"/>), <c>/metrics</c>
/// (<see cref="MetricsExport"/>) and what <c>/readyz</c> checks besides the core (<see cref="SlackReachability"/>,
/// <see cref="HealthOptions"/>).
/// </summary>
public static class Operations
{
    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        builder.AddLogFormat();
        builder.AddMetricsExport();
        builder.Services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section);
        builder.Services.AddSingleton<SlackReachability>();
        return builder;
    }
}
