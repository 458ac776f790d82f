using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using JitBot.TestSupport.Secrets;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>The built bot run as its own process (<c>dotnet jitbot.dll</c>), configured only by environment variables.</summary>
public sealed class BotProcess : IAsyncDisposable
{
    readonly Process process;
    readonly StringBuilder output = new();
    readonly TextWriter? collectedLog = RunCollection.Current?.Log("process");

    BotProcess(Process process, int port, string workingDirectory)
    {
        this.process = process;
        Port = port;
        WorkingDirectory = workingDirectory;
    }

    public int Port { get; }
    public string WorkingDirectory { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    /// <summary>
    /// The provider instances the example policy names, as environment variables, so the bot starts in Production:
    /// servers that are not there (nothing connects until a grant of those resources, which would fail saying so),
    /// and a webhook secret and token signing key made for this process alone.
    /// </summary>
    public static Dictionary<string, string> ExampleProviders() => new()
    {
        ["Providers__postgres__payments__ConnectionString"] = "Host=127.0.0.1;Port=1;Database=payments;Username=jitbot_admin",
        ["Providers__webhook__deploys__Url"] = "http://127.0.0.1:1/jitbot/events",
        ["Providers__webhook__deploys__Secret"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
        ["Providers__token__internal__SigningKey"] = NewSigningKey(),
    };

    static string NewSigningKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <param name="args">Command-line arguments after <c>jitbot.dll</c>.</param>
    public static BotProcess Start(IDictionary<string, string?> environment, params string[] args)
    {
        var port = FreePort();
        var workingDirectory = Directory.CreateTempSubdirectory("jitbot-proc-").FullName;
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "jitbot.dll"), .. args])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Slack__") || k.StartsWith("Policies__") || k.StartsWith("Storage__") || k.StartsWith("Providers__")).ToList())
            info.Environment.Remove(key);
        // The example policy's provider instances must be configured for the bot to start.
        foreach (var (k, v) in ExampleProviders()) info.Environment[k] = v;
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (k, v) in environment)
        {
            if (v is null) info.Environment.Remove(k);
            else info.Environment[k] = v;
        }

        var process = new Process { StartInfo = info };
        var bot = new BotProcess(process, port, workingDirectory);
        process.OutputDataReceived += (_, e) => bot.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => bot.Keep(e.Data);
        RunCollection.Current?.SecretsIn(info.Environment);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return bot;
    }

    /// <summary>Keeps a line of the bot's output (and hands it to the run's secret scan when the run collects).</summary>
    void Keep(string? line)
    {
        if (line is null) return;
        lock (output)
        {
            output.AppendLine(line);
            collectedLog?.WriteLine(line);
        }
    }

    /// <summary>Kills the process at once (SIGKILL, as <c>kill -9</c>): no shutdown, nothing flushed, nothing handed over.</summary>
    public void KillNow()
    {
        process.Kill();
        process.WaitForExit();
    }

    /// <summary>Polls <c>/readyz</c> until it answers 200: the store answers and the scheduler runs.</summary>
    public async Task WaitUntilReadyAsync(HttpClient client, TimeSpan timeout)
    {
        await WaitUntilHealthyAsync(client, timeout);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if ((await client.GetAsync(new Uri(BaseAddress, "/readyz"))).StatusCode == HttpStatusCode.OK) return;
            await Task.Delay(100);
        }
        Assert.Fail("The bot never became ready:\n" + Output);
    }

    /// <summary>Waits for the process to exit by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        process.WaitForExit(); // flush redirected output
        return process.ExitCode;
    }

    /// <summary>Polls /healthz until it answers 200 (the process start is real wall-clock work).</summary>
    public async Task WaitUntilHealthyAsync(HttpClient client, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) Assert.Fail($"The bot exited with {process.ExitCode}:\n{Output}");
            try
            {
                if ((await client.GetAsync(new Uri(BaseAddress, "/healthz"))).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        Assert.Fail("The bot never served /healthz:\n" + Output);
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.WaitForExit(); // the last lines of output are in
        process.Dispose();
        lock (output) collectedLog?.Dispose();
        try { Directory.Delete(WorkingDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
