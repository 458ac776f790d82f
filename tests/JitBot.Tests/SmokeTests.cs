namespace JitBot.Tests;

public class SmokeTests
{
    [Fact]
    public void RequestIds_AreUnique() =>
        Assert.NotEqual(JitBot.Requests.RequestId.New(), JitBot.Requests.RequestId.New());
}
