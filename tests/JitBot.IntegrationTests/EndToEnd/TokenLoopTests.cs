using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>
/// A resource whose provider is <c>token</c>, end to end: the token reaches the requester by direct message,
/// verifies with the key set the bot publishes, and the check endpoint follows the grant.
/// </summary>
public sealed class TokenLoopTests : WorkspaceTests
{
    const string ApiKey = "e2e-api-key-0123456789abcdef";
    string policies = null!;

    protected override async Task<Workspace> StartWorkspaceAsync()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        policies = ExamplePolicies.CopyWithProvider("k8s-dev", "{type: token, instance: clusters}");
        return await Workspace.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Policies:Path"] = policies,
            ["Providers:token:clusters:SigningKey"] = key.ExportPkcs8PrivateKeyPem(),
            ["Providers:token:clusters:ApiKey"] = ApiKey,
        });
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(policies, recursive: true);
    }

    async Task<bool> ActiveAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/grants/check?user=U0PAY0001&resource=k8s-dev");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        using var answer = JsonDocument.Parse(await (await w.Bot.Client.SendAsync(request)).Content.ReadAsStringAsync());
        return answer.RootElement.GetProperty("active").GetBoolean();
    }

    [Fact]
    public async Task Token_ReachesTheRequesterAlone_VerifiesWithThePublishedKeys_AndTheCheckEndpointFollowsTheGrant()
    {
        await w.AskAsync(People.Ana, "k8s-dev for 1h");

        var dm = await w.DirectMessageAsync(People.Ana, "Access token for k8s-dev");
        var token = Regex.Match(dm.RawBody, @"```([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)```").Groups[1].Value;
        Assert.NotEmpty(token);
        Assert.Single(w.Slack.Calls, c => c.RawBody.Contains(token, StringComparison.Ordinal));
        var jwks = new JsonWebKeySet(await w.Bot.Client.GetStringAsync("/.well-known/jwks.json"));
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidIssuer = "jitbot",
            ValidateAudience = false,
            ValidateLifetime = false,
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal(Workspace.Start.AddHours(1).UtcDateTime, validation.SecurityToken.ValidTo);
        Assert.True(await ActiveAsync());
        var audit = await w.Bot.Services.GetRequiredService<IAccessStore>().ReadAuditAsync(0, 1000, CancellationToken.None);
        Assert.DoesNotContain(audit, e => JsonSerializer.Serialize(e).Contains(token, StringComparison.Ordinal));

        w.Clock.Advance(TimeSpan.FromMinutes(61));
        await w.DirectMessageAsync(People.Ana, "Your access to `k8s-dev`");

        Assert.False(await ActiveAsync());
    }
}
