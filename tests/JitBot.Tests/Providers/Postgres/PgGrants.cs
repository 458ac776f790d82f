using JitBot.Policies;
using JitBot.Providers;

namespace JitBot.Tests.Providers.Postgres;

/// <summary>Provider grants for a <c>postgres</c> resource on instance <c>payments</c>.</summary>
static class PgGrants
{
    public static ProviderGrant Make(string grantId, string userId, string role, string mode, string? dbUser, DateTimeOffset from, DateTimeOffset until) =>
        new(grantId, "req_" + grantId, userId, Resource("payments-db", role, mode), from, until)
        {
            UserTags = dbUser is null
                ? new Dictionary<string, IReadOnlyList<string>>()
                : new Dictionary<string, IReadOnlyList<string>> { ["db_user"] = [dbUser] },
        };

    public static ResourceInfo Resource(string id, string role, string mode = "membership") => new(
        id, $"The {id} resource", new Dictionary<string, string> { ["owner-team"] = "payments" }, "payments",
        new ProviderSettings("postgres", new Dictionary<string, string> { ["role"] = role, ["mode"] = mode }, "payments"));
}
