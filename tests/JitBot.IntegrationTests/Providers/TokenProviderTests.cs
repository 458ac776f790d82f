using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Providers;
using JitBot.Providers.Token;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace JitBot.IntegrationTests.Providers;

/// <summary>
/// The token provider in the real host: tokens it issues verify with the key set the host publishes, and the
/// check endpoint answers from the grants the store holds.
/// </summary>
public sealed class TokenProviderTests : IAsyncLifetime
{
    const string ApiKey = "api-key-0123456789abcdefghijkl";
    static readonly string CurrentKey = NewKeyPem();
    static readonly string PreviousKey = NewKeyPem();
    readonly FakeTimeProvider clock = new(ProviderTestKit.Start);
    FakeSlack slack = null!;
    BotHost bot = null!;
    CancellationToken Ct => CancellationToken.None;

    static string NewKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    static string PublicPem(string privatePem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(privatePem);
        return key.ExportSubjectPublicKeyInfoPem();
    }

    public async Task InitializeAsync()
    {
        slack = await FakeSlack.StartAsync();
        bot = BotHost.Start(slack, clock, settings: new Dictionary<string, string?>
        {
            ["Providers:token:default:SigningKey"] = CurrentKey,
            ["Providers:token:default:PreviousPublicKeys:0"] = PublicPem(PreviousKey),
            ["Providers:token:default:Audience"] = "payments-api",
            ["Api:Keys:0"] = ApiKey,
        });
        (await bot.Client.GetAsync("/healthz")).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        await bot.DisposeAsync();
        await slack.DisposeAsync();
    }

    async Task<TokenValidationResult> ValidateWithPublishedKeysAsync(string token)
    {
        var jwks = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(await bot.Client.GetStringAsync("/.well-known/jwks.json"));
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidIssuer = "jitbot",
            ValidAudience = "payments-api",
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            // The token's times come from the bot's fake clock; exp is checked against the grant below.
            ValidateLifetime = false,
        });
    }

    [Fact]
    public async Task IssuedToken_VerifiesWithThePublishedKeySet_AndCarriesSubjectResourceTagsAndTheGrantsEnd()
    {
        var provider = bot.Services.GetRequiredService<AccessProviderRegistry>().Find(TokenType.Name)!;
        var grant = ProviderTestKit.Grant(TokenType.Name);

        var result = await provider.GrantAsync(grant, Ct);

        Assert.True(result.Succeeded, result.Error);
        var credential = result.Credential!;
        Assert.Equal(grant.ExpiresAt, credential.ExpiresAt);
        Assert.DoesNotContain(credential.Secret, credential.ToString());
        var validation = await ValidateWithPublishedKeysAsync(credential.Secret);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var jwt = (JsonWebToken)validation.SecurityToken;
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal("U0PAY0001", jwt.Subject);
        Assert.Equal("payments-db", jwt.GetClaim("resource").Value);
        Assert.Equal("grt_1", jwt.Id);
        Assert.Equal(grant.ExpiresAt.UtcDateTime, jwt.ValidTo);
        Assert.Equal(ProviderTestKit.Start.UtcDateTime, jwt.IssuedAt);
        using var tags = JsonDocument.Parse(jwt.GetPayloadValue<JsonElement>("tags").GetRawText());
        Assert.Equal("production", tags.RootElement.GetProperty("env").GetString());
    }

    [Fact]
    public async Task TokenSignedWithAModifiedSignature_DoesNotVerify()
    {
        var provider = bot.Services.GetRequiredService<AccessProviderRegistry>().Find(TokenType.Name)!;
        var token = (await provider.GrantAsync(ProviderTestKit.Grant(TokenType.Name), Ct)).Credential!.Secret;
        var parts = token.Split('.');
        var forged = parts[0] + "." + parts[1].Replace(parts[1][..4], "eyJz") + "." + parts[2];

        Assert.False((await ValidateWithPublishedKeysAsync(forged)).IsValid);
    }

    [Fact]
    public async Task KeySet_DuringARotation_PublishesThePreviousKeySoTokensItSignedStillVerify()
    {
        var old = ProviderTestKit.Create(new TokenType(), new Dictionary<string, string?>
        {
            ["SigningKey"] = PreviousKey,
            ["Audience"] = "payments-api",
        }, clock);
        var token = (await old.GrantAsync(ProviderTestKit.Grant(TokenType.Name), Ct)).Credential!.Secret;

        using var jwks = JsonDocument.Parse(await bot.Client.GetStringAsync("/.well-known/jwks.json"));
        var kids = jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()).ToList();
        Assert.Contains(KidOf(CurrentKey), kids);
        Assert.Contains(KidOf(PreviousKey), kids);
        Assert.All(jwks.RootElement.GetProperty("keys").EnumerateArray(), k => Assert.False(k.TryGetProperty("d", out _)));
        Assert.True((await ValidateWithPublishedKeysAsync(token)).IsValid);
    }

    [Fact]
    public void SigningKey_ThatIsOnlyAPublicKey_StopsStartUpNamingTheKey()
    {
        var e = Assert.Throws<ProviderSettingsException>(() =>
            ProviderTestKit.Create(new TokenType(), new Dictionary<string, string?> { ["SigningKey"] = PublicPem(CurrentKey) }, clock));

        Assert.Contains("Providers:token:default:SigningKey", e.Message);
        Assert.Contains("private key", e.Message);
    }

    static string KidOf(string pem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return JitBot.Providers.Token.JsonWebKeys.Public(key).Kid;
    }

    [Fact]
    public async Task GeneratedDevelopmentKey_InTheDevelopmentHost_SignsTokensThatVerifyWithThePublishedKeySet()
    {
        // The host runs in Development and reads appsettings.Development.json: the example's token instance "internal".
        var provider = bot.Services.GetRequiredService<AccessProviderRegistry>().Find(TokenType.Name, "internal")!;

        var token = (await provider.GrantAsync(ProviderTestKit.Grant(TokenType.Name), Ct)).Credential!.Secret;

        var jwks = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(await bot.Client.GetStringAsync("/.well-known/jwks.json"));
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidIssuer = "jitbot",
            ValidAudience = "payments-admin-api",
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidateLifetime = false,
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void GenerateDevelopmentKey_OutsideDevelopment_StopsStartUpSayingToSetASigningKey(string environment)
    {
        var e = Assert.Throws<ProviderSettingsException>(() => ProviderTestKit.Create(new TokenType(),
            new Dictionary<string, string?> { ["GenerateDevelopmentKey"] = "true" }, clock, InEnvironment(environment)));

        Assert.Contains("Providers:token:default:GenerateDevelopmentKey", e.Message);
        Assert.Contains("unless ASPNETCORE_ENVIRONMENT is Development", e.Message);
        Assert.Contains("Set Providers:token:default:SigningKey", e.Message);
    }

    [Fact]
    public void GenerateDevelopmentKey_WithASigningKeyToo_IsRefused()
    {
        var e = Assert.Throws<ProviderSettingsException>(() => ProviderTestKit.Create(new TokenType(),
            new Dictionary<string, string?> { ["GenerateDevelopmentKey"] = "true", ["SigningKey"] = CurrentKey }, clock, InEnvironment("Development")));

        Assert.Contains("are both set", e.Message);
        Assert.DoesNotContain("PRIVATE KEY", e.Message);
    }

    [Fact]
    public void GenerateDevelopmentKey_InDevelopment_WarnsOnceThatTokensStopVerifyingAtRestart()
    {
        var logs = new FakeLogCollector();

        ProviderTestKit.Create(new TokenType(), new Dictionary<string, string?> { ["GenerateDevelopmentKey"] = "true" }, clock, s =>
        {
            InEnvironment("Development")(s);
            s.AddLogging(l => l.AddProvider(new FakeLoggerProvider(logs)));
        });

        var warning = Assert.Single(logs.GetSnapshot());
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("stop verifying when JitBot restarts", warning.Message);
    }

    static Action<IServiceCollection> InEnvironment(string name) => s =>
        s.AddSingleton<IHostEnvironment>(new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = name });

    Task<HttpResponseMessage> CheckAsync(string query, string? key = ApiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/grants/check?" + query);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return bot.Client.SendAsync(request);
    }

    async Task<GrantId> AddActiveGrantAsync(string user, string resource)
    {
        var store = bot.Services.GetRequiredService<IAccessStore>();
        var grant = new Grant(GrantId.New(), RequestId.New(), user, resource, clock.GetUtcNow(), clock.GetUtcNow().AddHours(2), GrantState.Active, null);
        await using var tx = await store.BeginAsync(Ct);
        await tx.InsertGrantAsync(new GrantRecord(grant, TokenType.Name, $"token:default:{resource}:{user}"), Ct);
        await tx.CommitAsync(Ct);
        return grant.Id;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("api-key-0123456789abcdefghijkX")]
    public async Task CheckEndpoint_WithoutTheApiKey_Answers401(string? key)
    {
        await AddActiveGrantAsync("U0PAY0001", "payments-db");

        var response = await CheckAsync("user=U0PAY0001&resource=payments-db", key);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("active", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CheckEndpoint_AnswersActiveForAnActiveGrant_AndNotActiveOnceItIsRevokedBeforeItsTokenExpires()
    {
        var id = await AddActiveGrantAsync("U0PAY0001", "payments-db");

        using (var active = JsonDocument.Parse(await (await CheckAsync("user=U0PAY0001&resource=payments-db")).Content.ReadAsStringAsync()))
        {
            Assert.True(active.RootElement.GetProperty("active").GetBoolean());
            Assert.Equal(id.Value, active.RootElement.GetProperty("grantId").GetString());
        }
        using (var other = JsonDocument.Parse(await (await CheckAsync("user=U0PAY0002&resource=payments-db")).Content.ReadAsStringAsync()))
            Assert.False(other.RootElement.GetProperty("active").GetBoolean());

        var store = bot.Services.GetRequiredService<IAccessStore>();
        await using (var tx = await store.BeginAsync(Ct))
        {
            Assert.True(await tx.TryMoveGrantAsync(id, GrantState.Active, GrantState.Revoked, clock.GetUtcNow(), Ct));
            await tx.CommitAsync(Ct);
        }

        var response = await CheckAsync("user=U0PAY0001&resource=payments-db");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var revoked = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(revoked.RootElement.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task CheckEndpoint_PastTheGrantsEnd_AnswersNotActiveEvenBeforeTheRevokerRan()
    {
        await AddActiveGrantAsync("U0PAY0001", "payments-db");
        clock.Advance(TimeSpan.FromHours(2));

        using var answer = JsonDocument.Parse(await (await CheckAsync("user=U0PAY0001&resource=payments-db")).Content.ReadAsStringAsync());

        Assert.False(answer.RootElement.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task CheckEndpoint_WithoutUserOrResource_Answers400SayingWhatToGive()
    {
        var response = await CheckAsync("user=U0PAY0001");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("resource", await response.Content.ReadAsStringAsync());
    }
}
