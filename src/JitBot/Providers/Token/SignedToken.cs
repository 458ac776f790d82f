using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace JitBot.Providers.Token;

/// <summary>A compact JWS (RFC 7515) signed with ES256: header and claims as JSON, the signature as r‖s.</summary>
public static class SignedToken
{
    public static string Create(ECDsa key, IReadOnlyDictionary<string, object> claims)
    {
        var header = new Dictionary<string, string> { ["alg"] = "ES256", ["typ"] = "JWT", ["kid"] = JsonWebKeys.Public(key).Kid };
        var signingInput = Encode(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Encode(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Encode(signature);
    }

    static string Encode(byte[] bytes) => Base64Url.EncodeToString(bytes);
}
