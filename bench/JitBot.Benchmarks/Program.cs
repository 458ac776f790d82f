using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using JitBot.Benchmarks;
using JitBot.Policies;
using JitBot.TestSupport.Policies;

// `dotnet run -c Release --project bench/JitBot.Benchmarks -- percentiles` : quick Stopwatch figures.
// `dotnet run -c Release --project bench/JitBot.Benchmarks -- load [yaml|json] [runs]` : load + index from files.
// `dotnet run -c Release --project bench/JitBot.Benchmarks -- yamlparts`   : where file loading time goes.
// `dotnet run -c Release --project bench/JitBot.Benchmarks`               : BenchmarkDotNet (short run).
if (args.Length > 1 && args[0] == "report-log") return ReportAuditLog.Run(args[1], args.Length > 2 ? int.Parse(args[2]) : 100_000);
// `dotnet run -c Release --project bench/JitBot.Benchmarks -- diff [runs] [cases]` : policy diff against typical changes.
if (args.Length > 0 && args[0] == "diff") return DiffBench.Run(args.Length > 1 ? int.Parse(args[1]) : 2, args.Length > 2 ? int.Parse(args[2]) : int.MaxValue);
if (args.Length > 0 && args[0] == "yamlparts") return YamlParts.Run();
if (args.Length > 0 && args[0] == "load") return FileLoad.Run(args.Length > 1 ? args[1] : "both", args.Length > 2 ? int.Parse(args[2]) : 3);
if (args.Length > 0 && args[0] == "percentiles") return Percentiles.Run(args.Length > 1 ? int.Parse(args[1]) : 200_000);
BenchmarkSwitcher.FromAssembly(typeof(DecideBenchmarks).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args,
    DefaultConfig.Instance.AddJob(Job.ShortRun.WithId("short")));
return 0;

namespace JitBot.Benchmarks
{
    /// <summary>The full-size policy: 10,000 rules, 100,000 resources, 5,000 people.</summary>
    static class FullPolicy
    {
        public const int Rules = 10_000, Resources = 100_000, People = 5_000;
        public static PolicyModel Model() => new PolicyGenerator(Rules, Resources, People, seed: 42).Generate();

        public static PolicySnapshot Compile(PolicyModel model)
        {
            var result = PolicyLoader.Compile(model);
            return result.Snapshot ?? throw new InvalidOperationException(string.Join("\n", result.Problems.Where(p => p.IsError).Take(10)));
        }
    }

    [MemoryDiagnoser]
    public class DecideBenchmarks
    {
        PolicySnapshot snapshot = null!;
        DecisionRequest[] requests = null!;
        int next;

        [GlobalSetup]
        public void Setup()
        {
            var model = FullPolicy.Model();
            snapshot = FullPolicy.Compile(model);
            requests = PolicyGenerator.Requests(model, 4096, seed: 5).ToArray();
        }

        /// <summary>One decision, cycling through 4,096 varied requests (known and unknown people, all environments).</summary>
        [Benchmark]
        public Decision Decide() => snapshot.Decide(requests[next++ & 4095]);
    }

    public class LoadBenchmarks
    {
        PolicyModel model = null!;

        [GlobalSetup]
        public void Setup() => model = FullPolicy.Model();

        /// <summary>Checks and indexes the full-size policy (model already in memory).</summary>
        [Benchmark]
        public PolicySnapshot CompileAndIndex() => FullPolicy.Compile(model);
    }

    /// <summary>
    /// Loads the full-size policy from files as the bot does (read, hash, parse, check, index): all YAML
    /// (17 files), or the catalog as JSON with teams, groups and rules as YAML. The first load in the process
    /// includes JIT compilation, as a bot's start-up does; the others are a reload.
    /// </summary>
    static class FileLoad
    {
        public static int Run(string which, int runs)
        {
            var model = FullPolicy.Model();
            foreach (var json in which switch { "yaml" => new[] { false }, "json" => [true], _ => [false, true] })
            {
                var dir = Path.Combine(Path.GetTempPath(), $"jitbot-bench-load-{(json ? "json" : "yaml")}-{Environment.ProcessId}");
                PolicyWriter.Write(model, dir, jsonCatalog: json);
                try
                {
                    var files = Directory.EnumerateFiles(dir).ToArray();
                    var mib = files.Sum(f => new FileInfo(f).Length) / (1024.0 * 1024);
                    var times = new List<double>();
                    PolicyLoadResult? loaded = null;
                    for (var i = 0; i < runs; i++)
                    {
                        GC.Collect();
                        var pause = GC.GetTotalPauseDuration();
                        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                        var allocated = GC.GetTotalAllocatedBytes(precise: false);
                        var sw = Stopwatch.StartNew();
                        if (Environment.GetEnvironmentVariable("BENCH_SUSTAINED_LOW_LATENCY") == "1")
                            System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.SustainedLowLatency;
                        loaded = PolicyLoader.Load(dir);
                        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.Interactive;
                        times.Add(sw.Elapsed.TotalMilliseconds);
                        Console.WriteLine($"  {(json ? "JSON catalog" : "YAML")} load {i + 1}: {times[^1]:F0} ms (CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds:F0} ms on all threads; " +
                                          $"GC pauses {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F0} ms; allocated {(GC.GetTotalAllocatedBytes(precise: false) - allocated) / (1024 * 1024)} MiB)");
                        if (loaded.Snapshot is null) Console.WriteLine($"  INVALID: {string.Join("; ", loaded.Problems.Where(p => p.IsError).Take(3))}");
                    }
                    if (loaded!.Snapshot is { } loadedSnapshot)
                    {
                        GC.Collect();
                        var sw = Stopwatch.StartNew();
                        PolicyLoader.Compile(loadedSnapshot.Catalog.Model);
                        Console.WriteLine($"  of which check + index alone (the loaded model compiled again): {sw.Elapsed.TotalMilliseconds:F0} ms");
                    }
                    Console.WriteLine($"load+index from {(json ? "JSON catalog + YAML rules" : "YAML")} ({files.Length} files, {mib:F1} MiB): " +
                                      $"first {times[0]:F0} ms; best {times.Min():F0} ms, worst {times.Max():F0} ms of {runs}; version {loaded!.Snapshot?.Version[..19]}…");
                }
                finally { Directory.Delete(dir, true); }
            }
            return 0;
        }
    }

    static class YamlParts
    {
        public static int Run()
        {
            var model = FullPolicy.Model();
            var dir = Path.Combine(Path.GetTempPath(), "jitbot-bench-parts-" + Environment.ProcessId);
            var jsonDir = dir + "-json";
            PolicyWriter.Write(model, dir);
            PolicyWriter.Write(model, jsonDir, jsonCatalog: true);
            try
            {
                var texts = Directory.EnumerateFiles(dir).Order().Select(f => (Path.GetFileName(f), File.ReadAllText(f))).ToArray();
                var jsons = Directory.EnumerateFiles(jsonDir, "*.json").Order().Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))).ToArray();
                for (var round = 0; round < 2; round++)
                {
                    var sw = Stopwatch.StartNew();
                    var events = 0;
                    foreach (var (_, text) in texts)
                    {
                        var parser = new YamlDotNet.Core.Parser(new StringReader(text));
                        while (parser.MoveNext()) events++;
                    }
                    var scan = sw.Elapsed.TotalMilliseconds;
                    sw.Restart();
                    var tokens = 0;
                    foreach (var (_, bytes) in jsons)
                    {
                        var reader = new System.Text.Json.Utf8JsonReader(bytes);
                        while (reader.Read()) tokens++;
                    }
                    var jscan = sw.Elapsed.TotalMilliseconds;
                    Console.WriteLine($"syntax only (one thread): YamlDotNet {scan:F0} ms ({events:N0} events, all 17 files); Utf8JsonReader {jscan:F0} ms ({tokens:N0} tokens, catalog files)");
                    GC.Collect();
                    sw.Restart();
                    var dropped = 0;
                    foreach (var (file, bytes) in jsons) JsonTree.Parse(bytes, file, PolicyLimits.Default, [], (_, _) => dropped++);
                    Console.WriteLine($"  JSON tree only, {dropped:N0} items built and dropped (one thread): {sw.Elapsed.TotalMilliseconds:F0} ms");

                    foreach (var (name, streamed) in new[] { ("whole tree, then model", false), ("items read as parsed", true) })
                    {
                        var problems = new List<PolicyProblem>();
                        GC.Collect();
                        var pause0 = GC.GetTotalPauseDuration();
                        sw.Restart();
                        var m = new PolicyModel();
                        foreach (var (file, text) in texts) Read(file, m, problems, streamed, (l, onItem) => YamlTree.Parse(text, file, PolicyLimits.Default, l, onItem));
                        var yaml = sw.Elapsed.TotalMilliseconds;
                        var yamlPause = (GC.GetTotalPauseDuration() - pause0).TotalMilliseconds;
                        GC.Collect();
                        pause0 = GC.GetTotalPauseDuration();
                        sw.Restart();
                        var jm = new PolicyModel();
                        foreach (var (file, bytes) in jsons) Read(file, jm, problems, streamed, (l, onItem) => JsonTree.Parse(bytes, file, PolicyLimits.Default, l, onItem));
                        var json = sw.Elapsed.TotalMilliseconds;
                        var jsonPause = (GC.GetTotalPauseDuration() - pause0).TotalMilliseconds;
                        Console.WriteLine($"  {name} (one thread): all-YAML {yaml:F0} ms (GC pauses {yamlPause:F0} ms; {m.Resources.Count:N0} resources); " +
                                          $"JSON catalog files {json:F0} ms (GC pauses {jsonPause:F0} ms; {jm.Resources.Count:N0} resources); problems {problems.Count}");
                    }
                }
            }
            finally
            {
                Directory.Delete(dir, true);
                Directory.Delete(jsonDir, true);
            }
            return 0;
        }

        static void Read(string file, PolicyModel model, List<PolicyProblem> problems, bool streamed, Func<List<PolicyProblem>, Action<string, YNode>?, YNode?> parse)
        {
            var parser = new PolicyParser(file, problems);
            var root = parse(problems, streamed ? (list, item) => parser.ReadItem(list, item, model) : null);
            parser.ReadFile(root, model);
        }
    }

    static class Percentiles
    {
        public static int Run(int decisions)
        {
            Console.WriteLine($"Generating {FullPolicy.Rules:N0} rules x {FullPolicy.Resources:N0} resources x {FullPolicy.People:N0} people ...");
            var model = FullPolicy.Model();
            var snapshot = FullPolicy.Compile(model); // warm the code paths once
            var loads = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                var sw = Stopwatch.StartNew();
                snapshot = FullPolicy.Compile(model);
                loads.Add(sw.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine($"load+index (validate + intern + index, model in memory): best {loads.Min():F0} ms, worst {loads.Max():F0} ms of 3");

            var dir = Path.Combine(Path.GetTempPath(), "jitbot-bench-policy-" + Environment.ProcessId);
            PolicyWriter.Write(model, dir);
            try
            {
                var bytes = Directory.EnumerateFiles(dir).Sum(f => new FileInfo(f).Length);
                var yamlLoads = new List<double>();
                PolicyLoadResult? loaded = null;
                for (var i = 0; i < 3; i++)
                {
                    GC.Collect();
                    var sw = Stopwatch.StartNew();
                    loaded = PolicyLoader.Load(dir);
                    yamlLoads.Add(sw.Elapsed.TotalMilliseconds);
                }
                Console.WriteLine($"load+index from YAML ({Directory.EnumerateFiles(dir).Count()} files, {bytes / (1024 * 1024)} MiB: read, parse, check, index): " +
                                  $"best {yamlLoads.Min():F0} ms, worst {yamlLoads.Max():F0} ms of 3; " +
                                  (loaded!.Snapshot is null ? $"INVALID: {loaded.Problems.FirstOrDefault()}" : $"valid, {loaded.Problems.Count} warnings"));
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }

            var requests = PolicyGenerator.Requests(model, 8192, seed: 5).ToArray();
            for (var i = 0; i < 50_000; i++) snapshot.Decide(requests[i & 8191]); // warm-up (tiered JIT)
            var ticks = new long[decisions];
            var outcomes = new int[3];
            var total = Stopwatch.StartNew();
            for (var i = 0; i < decisions; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var d = snapshot.Decide(requests[i & 8191]);
                ticks[i] = Stopwatch.GetTimestamp() - start;
                outcomes[(int)d.Outcome]++;
            }
            total.Stop();
            Array.Sort(ticks);
            double Us(double q) => ticks[(int)Math.Min(ticks.Length - 1, q * ticks.Length)] * 1_000_000.0 / Stopwatch.Frequency;
            Console.WriteLine($"decisions: {decisions:N0} (denied {outcomes[0]:N0}, auto-approved {outcomes[1]:N0}, approval required {outcomes[2]:N0})");
            Console.WriteLine($"per decision: p50 {Us(0.50):F2} us, p90 {Us(0.90):F2} us, p99 {Us(0.99):F2} us, p99.9 {Us(0.999):F2} us, max {Us(1):F1} us; mean {total.Elapsed.TotalMicroseconds / decisions:F2} us");
            var byOutcome = new List<double>[3] { [], [], [] };
            for (var i = 0; i < 60_000; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var d = snapshot.Decide(requests[i & 8191]);
                byOutcome[(int)d.Outcome].Add((Stopwatch.GetTimestamp() - start) * 1_000_000.0 / Stopwatch.Frequency);
            }
            foreach (var o in Enum.GetValues<DecisionOutcome>())
            {
                var l = byOutcome[(int)o];
                l.Sort();
                if (l.Count > 0) Console.WriteLine($"  {o}: n={l.Count}, p50 {l[l.Count / 2]:F2} us, p99 {l[(int)(l.Count * 0.99)]:F2} us");
            }
            foreach (var o in Enum.GetValues<DecisionOutcome>())
            {
                var sample = requests.FirstOrDefault(r => snapshot.Decide(r).Outcome == o);
                if (sample is null) continue;
                var hot = Stopwatch.StartNew();
                for (var i = 0; i < 100_000; i++) snapshot.Decide(sample);
                Console.WriteLine($"  same {o} request repeated (hot caches): {hot.Elapsed.TotalMicroseconds / 100_000:F2} us");
            }
            var candidates = snapshot.ResourceIds.Count;
            Console.WriteLine($"resources {candidates:N0}, rules {snapshot.RuleCount:N0}");
            return 0;
        }
    }
}
