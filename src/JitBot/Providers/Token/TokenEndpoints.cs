using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Providers.Token;

/// <summary>What the check endpoint answers: whether the person holds the resource right now, and until when.</summary>
public sealed record GrantCheckAnswer(string User, string Resource, bool Active, string? GrantId, DateTimeOffset? ExpiresAt);

/// <summary>
/// The HTTP side of the <c>token</c> provider: the public keys at <c>GET /.well-known/jwks.json</c>, and
/// <c>GET /api/v1/grants/check?user=…&amp;resource=…</c> (with <c>Authorization: Bearer &lt;API key&gt;</c>), which
/// answers from JitBot's active grants so that a revoked grant stops counting before its token expires.
/// </summary>
public static class TokenEndpoints
{
    public const string JwksPath = "/.well-known/jwks.json";
    public const string CheckPath = "/api/v1/grants/check";

    public static WebApplication MapTokenEndpoints(this WebApplication app)
    {
        // The instances the bot signs with (built once, so a generated development key is the one published).
        var instances = app.Services.GetRequiredService<AccessProviderRegistry>().Providers.OfType<TokenProvider>().Select(p => p.Settings).ToList();
        var keySet = JsonWebKeys.For(instances);
        var apiKeys = ApiKeys.From(app.Configuration, instances);

        app.MapGet(JwksPath, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=300";
            return Results.Json(keySet);
        });

        app.MapGet(CheckPath, async (HttpContext context, IAccessStore store, TimeProvider time, string? user, string? resource) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            if (!apiKeys.Accepts(BearerOf(context.Request)))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return Results.Json(new { error = "Send a JitBot API key as Authorization: Bearer <key> (configured under Api:Keys)." },
                    statusCode: StatusCodes.Status401Unauthorized);
            }
            if (string.IsNullOrWhiteSpace(user) || string.IsNullOrWhiteSpace(resource))
                return Results.Json(new { error = "Give both user (a Slack member id) and resource (a resource id from the catalog)." },
                    statusCode: StatusCodes.Status400BadRequest);
            var now = time.GetUtcNow();
            var grant = (await store.ActiveGrantsAsync(context.RequestAborted))
                .Select(r => r.Grant)
                .Where(g => g.State == GrantState.Active && g.ExpiresAt > now && g.UserId == user && g.ResourceId == resource)
                .MaxBy(g => g.ExpiresAt);
            return Results.Json(new GrantCheckAnswer(user, resource, grant is not null, grant?.Id.Value, grant?.ExpiresAt));
        });
        return app;
    }

    static string? BearerOf(HttpRequest request) =>
        request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? auth["Bearer ".Length..].Trim()
            : null;
}
