using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace JitBot.Providers.Token;

/// <summary>One public key as a JSON Web Key (RFC 7517) for ES256.</summary>
public sealed record JsonWebKey(
    [property: JsonPropertyName("kty")] string Kty,
    [property: JsonPropertyName("crv")] string Crv,
    [property: JsonPropertyName("x")] string X,
    [property: JsonPropertyName("y")] string Y,
    [property: JsonPropertyName("kid")] string Kid,
    [property: JsonPropertyName("use")] string Use,
    [property: JsonPropertyName("alg")] string Alg);

/// <summary>The document served at <c>/.well-known/jwks.json</c>.</summary>
public sealed record JsonWebKeySet([property: JsonPropertyName("keys")] IReadOnlyList<JsonWebKey> Keys);

public static class JsonWebKeys
{
    /// <summary>The public half of an EC P-256 key, its <c>kid</c> the RFC 7638 thumbprint.</summary>
    public static JsonWebKey Public(ECDsa key)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        var x = Base64Url.EncodeToString(p.Q.X);
        var y = Base64Url.EncodeToString(p.Q.Y);
        // RFC 7638: the required members in lexicographic order, no white space.
        var canonical = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{x}\",\"y\":\"{y}\"}}";
        var kid = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        return new JsonWebKey("EC", "P-256", x, y, kid, "sig", "ES256");
    }

    /// <summary>The current and previous public keys of every token instance, without repeats.</summary>
    public static JsonWebKeySet For(IEnumerable<TokenSettings> instances) =>
        new(instances.SelectMany(i => i.PreviousPublicKeys.Prepend(i.SigningKey)).Select(Public).DistinctBy(k => k.Kid).ToList());
}
