using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace JitBot.IntegrationTests.Playground;

/// <summary>
/// The playground as a process, without a browser: two at once each take a free port, both servers (the page and
/// the bot) listen on 127.0.0.1 only, requests for another host name are refused, and the bot it runs really is
/// the bot (its health endpoint, its signature check).
/// </summary>
public sealed class PlaygroundProcessTests
{
    [Fact]
    public async Task TwoAtOnce_EachOnItsOwnFreeLoopbackPort()
    {
        await using var first = await PlaygroundProcess.StartAsync();
        await using var second = await PlaygroundProcess.StartAsync();
        Assert.False(first.BotFailed, first.Output);
        Assert.False(second.BotFailed, second.Output);

        Assert.Equal("127.0.0.1", first.PageAddress.Host);
        Assert.Equal("127.0.0.1", second.PageAddress.Host);
        Assert.NotEqual(first.PageAddress.Port, second.PageAddress.Port);

        using var http = new HttpClient();
        foreach (var playground in new[] { first, second })
        {
            var state = JsonNode.Parse(await http.GetStringAsync(new Uri(playground.PageAddress, "state")))!;
            Assert.Empty(state["problems"]!.AsArray());
            Assert.Contains(state["people"]!.AsArray(), p => (string?)p!["name"] == "Chloe");
        }
    }

    [Fact]
    public async Task ListensOnLoopbackOnly_AndServesOnlyItsOwnHostName()
    {
        await using var playground = await PlaygroundProcess.StartAsync();
        var bot = BotAddress(playground.Output);
        Assert.Equal("127.0.0.1", bot.Host);

        using var http = new HttpClient();
        Assert.Equal("ok", await http.GetStringAsync(new Uri(bot, "healthz")));
        // The bot checks signatures as always: an unsigned command is refused.
        var unsigned = await http.PostAsync(new Uri(bot, "slack/commands"), new StringContent("command=%2Faccess&user_id=U0PAY0001"));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);

        // A page that points its own name at 127.0.0.1 (DNS rebinding) gets nothing.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, new Uri(playground.PageAddress, "state"));
        rebound.Headers.Host = "attacker.example:" + playground.PageAddress.Port;
        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await http.SendAsync(rebound)).StatusCode);

        // Nothing answers on this machine's other addresses.
        foreach (var address in OtherAddresses())
        foreach (var port in new[] { playground.PageAddress.Port, bot.Port })
        {
            using var client = new TcpClient(address.AddressFamily);
            await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(address, port));
        }
    }

    static Uri BotAddress(string output)
    {
        var at = output.IndexOf("the bot runs on ", StringComparison.Ordinal);
        Assert.True(at >= 0, output);
        var rest = output[(at + "the bot runs on ".Length)..];
        return new Uri(rest[..rest.IndexOf(';')]);
    }

    static IEnumerable<IPAddress> OtherAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
