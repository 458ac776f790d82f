using System.Diagnostics;
using JitBot.Policies;

namespace JitBot.Tests.Policies;

/// <summary>
/// Hostile policy folders for tests: the ones kept in TestData (links to /dev/zero, links that loop or leave
/// the folder), named pipes made on the spot (git cannot keep them), and a bound on how long reading may take.
/// </summary>
public static class HostileFolder
{
    /// <summary>A folder under tests/JitBot.Tests/TestData/HostilePolicies.</summary>
    public static string Kept(string name) => RepoPaths.Of("tests", "JitBot.Tests", "TestData", "HostilePolicies", name);

    /// <summary>What every hostile folder must be dealt with in, however it is read.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);

    /// <summary>Makes a named pipe (FIFO) nobody writes to: opening it for reading would wait for ever.</summary>
    public static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    /// <summary>Loads a folder on another thread; fails (instead of hanging) when it takes longer than <see cref="Bound"/>.</summary>
    public static (PolicyLoadResult Result, long AllocatedBytes) LoadWithinBound(string directory)
    {
        var load = Task.Run(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = PolicyLoader.Load(directory);
            return (result, GC.GetAllocatedBytesForCurrentThread() - before);
        });
        Assert.True(load.Wait(Bound), $"Loading {directory} took longer than {Bound.TotalSeconds} s.");
        return load.Result;
    }
}
