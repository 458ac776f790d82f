using System.Text;
using JitBot.Slack.Signing;

namespace JitBot.Tests.Slack;

public class SlackSignatureVerifierTests
{
    // Slack's published example (docs: "Verifying requests from Slack").
    const string VectorSecret = "8f742231b10e8888abcd99yyyzzz85a5";
    const string VectorTimestamp = "1531420618";
    const string VectorBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const string VectorSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    static readonly DateTimeOffset VectorTime = DateTimeOffset.FromUnixTimeSeconds(1531420618);
    static byte[] Body => Encoding.UTF8.GetBytes(VectorBody);

    static SlackSignatureVerifier At(DateTimeOffset now, string? secret = VectorSecret) => new(secret, new FakeTimeProvider(now));

    [Fact]
    public void PublishedTestVector_Verifies_AtItsTimestamp() =>
        Assert.True(At(VectorTime).Verify(VectorTimestamp, VectorSignature, Body).IsValid);

    [Fact]
    public void Sign_ReproducesPublishedTestVector() =>
        Assert.Equal(VectorSignature, SlackSignatureVerifier.Sign(VectorSecret, VectorTimestamp, Body));

    [Fact]
    public void PublishedTestVector_IsStale_Today() =>
        Assert.Equal(SignatureFailure.StaleTimestamp,
            At(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero)).Verify(VectorTimestamp, VectorSignature, Body).Failure);

    [Fact]
    public void ForgedSignature_IsRejected()
    {
        var forged = "v0=" + new string('0', 64);
        Assert.Equal(SignatureFailure.Mismatch, At(VectorTime).Verify(VectorTimestamp, forged, Body).Failure);
    }

    [Fact]
    public void BodyChangedByOneByte_IsRejected()
    {
        var body = Body;
        body[^1] ^= 1;
        Assert.Equal(SignatureFailure.Mismatch, At(VectorTime).Verify(VectorTimestamp, VectorSignature, body).Failure);
    }

    [Fact]
    public void WrongSecret_IsRejected() =>
        Assert.Equal(SignatureFailure.Mismatch, At(VectorTime, "another-secret").Verify(VectorTimestamp, VectorSignature, Body).Failure);

    [Theory]
    [InlineData(300, true)]
    [InlineData(301, false)]
    [InlineData(-300, true)]
    [InlineData(-301, false)]
    public void Timestamp_MustBeWithinFiveMinutes_InBothDirections(int clockAheadSeconds, bool valid)
    {
        var check = At(VectorTime.AddSeconds(clockAheadSeconds)).Verify(VectorTimestamp, VectorSignature, Body);
        Assert.Equal(valid, check.IsValid);
        if (!valid)
            Assert.Equal(clockAheadSeconds > 0 ? SignatureFailure.StaleTimestamp : SignatureFailure.FutureTimestamp, check.Failure);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void MissingSecret_FailsClosed(string? secret) =>
        Assert.Equal(SignatureFailure.MissingSecret, At(VectorTime, secret).Verify(VectorTimestamp, VectorSignature, Body).Failure);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void MissingTimestamp_IsRejected(string? timestamp) =>
        Assert.Equal(SignatureFailure.MissingTimestamp, At(VectorTime).Verify(timestamp, VectorSignature, Body).Failure);

    [Theory]
    [InlineData("abc")]
    [InlineData("-1531420618")]
    [InlineData("+1531420618")]
    [InlineData("1531420618.5")]
    [InlineData(" 1531420618")]
    [InlineData("99999999999999999999")]
    public void MalformedTimestamp_IsRejected(string timestamp) =>
        Assert.Equal(SignatureFailure.MalformedTimestamp, At(VectorTime).Verify(timestamp, VectorSignature, Body).Failure);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void MissingSignature_IsRejected(string? signature) =>
        Assert.Equal(SignatureFailure.MissingSignature, At(VectorTime).Verify(VectorTimestamp, signature, Body).Failure);

    [Fact]
    public void OtherVersion_IsRejected() =>
        Assert.Equal(SignatureFailure.UnsupportedVersion,
            At(VectorTime).Verify(VectorTimestamp, VectorSignature.Replace("v0=", "v1="), Body).Failure);

    [Theory]
    [InlineData("a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")]
    [InlineData("v0=")]
    [InlineData("v0=a2114d57")]
    [InlineData("v0=zz114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")]
    [InlineData("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b50300")]
    public void MalformedSignature_IsRejected(string signature) =>
        Assert.False(At(VectorTime).Verify(VectorTimestamp, signature, Body).IsValid);
}
