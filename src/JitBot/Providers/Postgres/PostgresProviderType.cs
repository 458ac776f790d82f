using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JitBot.Providers.Postgres;

/// <summary>
/// The <c>postgres</c> provider type: <c>provider: {type: postgres, instance: payments, role: payments_readonly, mode: membership}</c>.
/// The connection string and timeouts are per instance in configuration (<c>Providers:postgres:{instance}:…</c>).
/// </summary>
public sealed class PostgresProviderType : IProviderType
{
    public const string TypeName = "postgres";

    public string Name => TypeName;

    public IReadOnlyList<ProviderParameter> Parameters { get; } =
    [
        new(PostgresAccess.RoleParameter, true, "the PostgreSQL role the grant gives (it must exist)"),
        new(PostgresAccess.ModeParameter, false, "membership (default: the person's own database user joins the role) or login (a login of its own for the grant, with a password for the requester)"),
    ];

    public IReadOnlyList<string> RequiredSettings { get; } = [PostgresSettings.ConnectionStringKey];

    public IEnumerable<string> Check(IReadOnlyDictionary<string, string> parameters)
    {
        if (!parameters.TryGetValue(PostgresAccess.RoleParameter, out var role) || string.IsNullOrEmpty(role))
            yield return "A postgres resource needs a role: the PostgreSQL role the grant gives.";
        else if (PostgresSql.NameProblem(role) is { } problem)
            yield return $"The role {PostgresSql.Shown(role)} {problem}.";
        if (parameters.TryGetValue(PostgresAccess.ModeParameter, out var mode) && !IsMode(mode))
            yield return $"The mode {PostgresSql.Shown(mode)} is not one postgres knows: use {PostgresAccess.Membership} or {PostgresAccess.LoginMode}.";
    }

    /// <summary>
    /// The same role in the same mode is the same access, whichever resource grants it. The mode is part of it:
    /// a login grant never covers the person's own user's membership, nor the other way round.
    /// </summary>
    public string AccessKey(IReadOnlyDictionary<string, string> parameters, string resourceId)
    {
        var role = parameters.GetValueOrDefault(PostgresAccess.RoleParameter) ?? resourceId;
        var mode = parameters.TryGetValue(PostgresAccess.ModeParameter, out var m) && IsMode(m) ? m.ToLowerInvariant() : PostgresAccess.Membership;
        return $"{mode}:{role}";
    }

    public IAccessProvider Create(string instance, IConfigurationSection settings, IServiceProvider services) =>
        new PostgresProvider(PostgresSettings.From(instance, settings),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetRequiredService<ILogger<PostgresProvider>>());

    static bool IsMode(string mode) =>
        string.Equals(mode, PostgresAccess.Membership, StringComparison.OrdinalIgnoreCase)
        || string.Equals(mode, PostgresAccess.LoginMode, StringComparison.OrdinalIgnoreCase);
}
