using System.Text;
using JitBot.TestSupport.Secrets;

namespace JitBot.Tests.Support;

public class SecretScannerTests
{
    const string Secret = "s3cret&<pw>+/=";

    [Theory]
    [InlineData("as written")]
    [InlineData("JSON-escaped")]
    [InlineData("URL-encoded")]
    [InlineData("base64-encoded")]
    public void Scan_FindsASecretInEachFormItMayBeWrittenIn_WithoutRepeatingIt(string form)
    {
        var text = form switch
        {
            "as written" => "password=" + Secret,
            "JSON-escaped" => System.Text.Json.JsonSerializer.Serialize(new { password = Secret }),
            "URL-encoded" => "?password=" + Uri.EscapeDataString(Secret),
            _ => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret)),
        };

        var finding = Assert.Single(SecretScanner.Scan([Secret], [("log #1", text)]), f => f.Form == form);

        Assert.Equal("log #1", finding.Source);
        Assert.DoesNotContain(Secret, finding.ToString());
    }

    [Fact]
    public void Scan_OfCleanText_FindsNothing() =>
        Assert.Empty(SecretScanner.Scan([Secret], [("log #1", "Granted payments-db to U0ANA (fingerprint 0123456789abcdef)")]));

    [Fact]
    public void Scan_RefusesASecretTooShortToMatchSafely() =>
        Assert.Throws<ArgumentException>(() => SecretScanner.Scan(["abc"], [("log", "abc")]));
}
