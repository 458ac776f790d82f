using System.Diagnostics;
using System.Runtime.InteropServices;
using JitBot.Policies;

namespace JitBot.Playground;

/// <summary>
/// <c>jitbot playground [--policies DIR] [--no-browser]</c>: starts a <see cref="PlaygroundHost"/> with the policy
/// folder (by default <c>examples/policies</c>, found from the working directory upwards), prints the page's address,
/// opens it in a browser unless told not to (or when <c>CI</c> is set), and runs until Ctrl+C. Exit codes: 0 after
/// Ctrl+C, 1 when the bot could not start (after Ctrl+C too: the page shows why meanwhile), 2 for a usage error.
/// </summary>
public static class PlaygroundCommand
{
    public const string Verb = "playground";
    public const string DefaultPolicies = "examples/policies";

    public static bool IsPlayground(IReadOnlyList<string> args) => args.Count > 0 && args[0] == Verb;

    /// <param name="args">The arguments after <c>playground</c>.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var policies = DefaultPolicies;
        var openBrowser = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--policies" when i + 1 < args.Length:
                    policies = args[++i];
                    break;
                case "--no-browser":
                    openBrowser = false;
                    break;
                case "--help" or "-h":
                    stdout.WriteLine(Usage);
                    return 0;
                default:
                    stderr.WriteLine($"error: \"{Common.PrintableText.Escape(args[i])}\" is not an option of the playground.");
                    stderr.WriteLine(Usage);
                    return 2;
            }
        }

        var stop = stopping;
        // Ctrl+C and a plain kill both stop the playground the same way: the bot stops and the folder is deleted.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        await using var host = await PlaygroundHost.StartAsync(PolicyServiceExtensions.ResolvePath(policies), stderr);
        stdout.WriteLine(host.Problems.Count == 0
            ? $"JitBot playground: open {host.PageAddress} (the bot runs on {host.BotAddress}; Ctrl+C stops both)"
            : $"JitBot playground: the bot did not start; {host.PageAddress} shows why (Ctrl+C stops)");
        stdout.Flush();
        if (openBrowser) TryOpen(host.PageAddress);
        try { await Task.Delay(Timeout.Infinite, stop.Token); }
        catch (OperationCanceledException) { }
        return host.Problems.Count == 0 ? 0 : 1;
    }

    static void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        stopping.Cancel();
    }

    static readonly CancellationTokenSource stopping = new();

    const string Usage =
        "Usage: jitbot playground [--policies DIR] [--no-browser]\n" +
        "  Runs the bot on a throwaway store with a Slack of its own in a local web page (127.0.0.1 only).\n" +
        "  --policies DIR  the policy folder (default: examples/policies)\n" +
        "  --no-browser    print the page's address without opening it (always so when CI is set)";

    static void TryOpen(Uri address)
    {
        var opener = OperatingSystem.IsWindows() ? "explorer" : OperatingSystem.IsMacOS() ? "open" : "xdg-open";
        try { Process.Start(new ProcessStartInfo(opener, address.ToString()) { UseShellExecute = false })?.Dispose(); }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { }
    }
}
