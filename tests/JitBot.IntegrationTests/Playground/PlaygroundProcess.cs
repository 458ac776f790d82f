using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.TestSupport.Secrets;

namespace JitBot.IntegrationTests.Playground;

/// <summary>
/// <c>jitbot playground --no-browser</c> run as its own process from the built program, as <c>dotnet run --project
/// src/JitBot -- playground</c> runs it; <see cref="PageAddress"/> is the address it prints. Disposing sends SIGTERM
/// (as Ctrl+C would) and waits for it to stop.
/// </summary>
public sealed partial class PlaygroundProcess : IAsyncDisposable
{
    readonly Process process;
    readonly StringBuilder output = new();
    readonly TextWriter? collectedLog = RunCollection.Current?.Log("process");
    readonly TaskCompletionSource<Uri> address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    PlaygroundProcess(Process process) => this.process = process;

    public Uri PageAddress => address.Task.Result;

    /// <summary>Whether the first line said the bot did not start.</summary>
    public bool BotFailed { get; private set; }

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    /// <summary>Starts the playground with <paramref name="policies"/> (the examples by default) and waits for its address.</summary>
    public static async Task<PlaygroundProcess> StartAsync(string? policies = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "jitbot.dll"), "playground", "--no-browser", "--policies", policies ?? BotHost.PoliciesPath])
        {
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Slack__") || k.StartsWith("Policies__") || k.StartsWith("Storage__") || k.StartsWith("Providers__")).ToList())
            info.Environment.Remove(key);
        info.Environment["DOTNET_NOLOGO"] = "1";
        var playground = new PlaygroundProcess(new Process { StartInfo = info });
        playground.process.OutputDataReceived += (_, e) => playground.Keep(e.Data);
        playground.process.ErrorDataReceived += (_, e) => playground.Keep(e.Data);
        playground.process.Start();
        playground.process.BeginOutputReadLine();
        playground.process.BeginErrorReadLine();
        var started = await Task.WhenAny(playground.address.Task, playground.process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (started != playground.address.Task) Assert.Fail("The playground never printed its address:\n" + playground.Output);
        return playground;
    }

    void Keep(string? line)
    {
        if (line is null) return;
        lock (output)
        {
            output.AppendLine(line);
            collectedLog?.WriteLine(line);
        }
        if (Address().Match(line) is { Success: true } match)
        {
            BotFailed = line.Contains("did not start", StringComparison.Ordinal);
            address.TrySetResult(new Uri(match.Value));
        }
    }

    [GeneratedRegex(@"http://[^\s;)]+/")]
    private static partial Regex Address();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);

    /// <summary>Stops it as Ctrl+C would (SIGTERM) and answers its exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!process.HasExited)
        {
            if (OperatingSystem.IsWindows()) process.Kill(entireProcessTree: true);
            else Kill(process.Id, 15);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
        }
        process.WaitForExit();
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        process.Dispose();
        lock (output) collectedLog?.Dispose();
    }
}
