using JitBot.Providers.Webhook;

namespace JitBot.Tests.Providers;

public sealed class WebhookSignatureTests
{
    [Fact]
    public void Signature_IsTheDocumentedHmacOfVersionTimestampAndBody()
    {
        // Computed outside .NET with the Python verifier in docs/providers.md:
        // hmac.new(b"whsec-0123456789abcdef", b'v1:1764669600:{"event":"grant"}', hashlib.sha256).hexdigest()
        var signature = WebhookSignature.Sign("whsec-0123456789abcdef", 1764669600, """{"event":"grant"}""");

        Assert.Equal("v1=e2899f8b10ec2a68fb412ec273db9835251ad668733b2a85cb17abbd4df8b708", signature);
    }
}
