using JitBot.Common;

namespace JitBot.Tests;

public class LogTextTests
{
    [Theory]
    [InlineData("U0APPROVER")]
    [InlineData("req_p3n8d2w6z0ab")]
    [InlineData("Zoë ☕ 日本 👍")]
    public void OrdinaryText_IsKeptAsItIs(string value) => Assert.Equal(value, LogText.Safe(value));

    [Theory]
    [InlineData("U1\u001B[31mred", @"U1\u001B[31mred")]                  // ESC: terminal colours
    [InlineData("U1\r\nINFO forged line", @"U1\u000D\u000AINFO forged line")]
    [InlineData("U1\0", @"U1\u0000")]
    [InlineData("a\u007Fb\u0085c\u009Bd", @"a\u007Fb\u0085c\u009Bd")]    // DEL, NEL, CSI
    [InlineData("evil\u202Egnp.exe", @"evil\u202Egnp.exe")]              // right-to-left override
    [InlineData("a\u2066b\u200Bc\uFEFF", @"a\u2066b\u200Bc\uFEFF")]      // isolate, zero width space, BOM
    [InlineData("line\u2028para\u2029", @"line\u2028para\u2029")]
    [InlineData("tag\U000E0041", @"tag\U000E0041")]                        // invisible tag characters
    [InlineData(@"C:\u001B", @"C:\\u001B")]                                // a written-out escape stays tellable from a real one
    public void ControlAndFormatCharacters_AreEscaped(string value, string expected) => Assert.Equal(expected, LogText.Safe(value));

    [Fact]
    public void LoneSurrogate_IsEscaped() => Assert.Equal(@"lone\uD800!", LogText.Safe("lone" + (char)0xD800 + "!"));

    [Fact]
    public void LongValues_AreCut()
    {
        var safe = LogText.Safe(new string('x', 5000));
        Assert.StartsWith(new string('x', LogText.MaxLength) + "…(+4800 more)", safe);
        Assert.Equal(LogText.MaxLength + "…(+4800 more)".Length, safe.Length);
    }

    [Fact]
    public void Null_IsNamed() => Assert.Equal("(none)", LogText.Safe(null));
}
