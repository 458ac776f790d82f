using System.Security.Cryptography;
using System.Text;

namespace JitBot.Providers.Postgres;

/// <summary>
/// The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677, as PostgreSQL writes it:
/// <c>SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey</c>). JitBot sends this instead of the password, so
/// the password never reaches the server in clear, nor its statement log.
/// </summary>
public static class ScramVerifier
{
    public const int Iterations = 4096;

    /// <summary>The verifier for <paramref name="password"/>; the password must be ASCII (SASLprep leaves it unchanged).</summary>
    public static string For(string password, byte[]? salt = null)
    {
        if (password.Any(c => c > 0x7e || c < 0x21))
            throw new ArgumentException("Only printable ASCII passwords are hashed here.", nameof(password));
        salt ??= RandomNumberGenerator.GetBytes(16);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${Iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }
}
