using JitBot.Grants;
using JitBot.Policies;
using JitBot.Storage;
using JitBot.Storage.LiteDb;
using JitBot.Storage.Postgres;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace JitBot.Hosting;

/// <summary>
/// One line once JitBot has started, saying what it runs with: the policy folder, its version and size, the store
/// (kind and file, never its connection string) and where it listens.
/// </summary>
public sealed class StartupLog(IHostApplicationLifetime lifetime, IServer server, PolicySource policies, IAccessStore store,
    IOptions<GrantsOptions> grants, ILogger<StartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The addresses are known only once the server listens, which is after the hosted services started.
        lifetime.ApplicationStarted.Register(Log);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    void Log()
    {
        var policy = policies.CurrentSnapshot;
        logger.LogInformation(
            "JitBot started: policy {PolicyFolder} version {PolicyVersion} ({Resources} resources, {Rules} rules, {People} people, {Teams} teams); store {Store}; listening on {Addresses}",
            Path.GetFullPath(policies.Directory), policy.Version, policy.ResourceIds.Count, policy.RuleCount, policy.PeopleCount, policy.TeamCount,
            Describe(store, grants.Value), Addresses());
    }

    /// <summary>
    /// "LiteDB /data/jitbot.db" or "PostgreSQL db.internal:5432/jitbot": the kind and where, so a password in the
    /// connection string never shows.
    /// </summary>
    public static string Describe(IAccessStore store, GrantsOptions grants) => store switch
    {
        LiteDbAccessStore liteDb => "LiteDB " + liteDb.Path,
        PostgresAccessStore postgres => $"{postgres.Description} (pools: at most {postgres.MaxPoolSize} connections for the store and {PostgresPools.Quartz(grants)} for Quartz)",
        _ => store.GetType().Name,
    };

    string Addresses()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        return addresses is { Count: > 0 } ? string.Join(", ", addresses) : "no network address (in-process host)";
    }
}

public static class StartupLogExtensions
{
    /// <summary>Logs one line when JitBot has started (<see cref="StartupLog"/>).</summary>
    public static IHostApplicationBuilder AddStartupLog(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<StartupLog>();
        return builder;
    }
}
