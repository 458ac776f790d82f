using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using JitBot.Benchmarks;
using JitBot.Policies;

// `dotnet run -c Release --project bench/JitBot.Benchmarks -- percentiles` : quick Stopwatch figures.
// `dotnet run -c Release --project bench/JitBot.Benchmarks`               : BenchmarkDotNet (short run).
if (args.Length > 0 && args[0] == "yamlparts") return YamlParts.Run();
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

    static class YamlParts
    {
        public static int Run()
        {
            var model = FullPolicy.Model();
            var dir = Path.Combine(Path.GetTempPath(), "jitbot-bench-parts-" + Environment.ProcessId);
            YamlExport.Write(model, dir);
            try
            {
                var texts = Directory.EnumerateFiles(dir).Order().Select(f => (Path.GetFileName(f), File.ReadAllText(f))).ToArray();
                for (var round = 0; round < 2; round++)
                {
                    var problems = new List<PolicyProblem>();
                    var sw = Stopwatch.StartNew();
                    var events = 0;
                    foreach (var (_, text) in texts)
                    {
                        var parser = new YamlDotNet.Core.Parser(new StringReader(text));
                        while (parser.MoveNext()) events++;
                    }
                    var scan = sw.Elapsed.TotalMilliseconds;
                    sw.Restart();
                    var pause0 = GC.GetTotalPauseDuration();
                    var g0 = GC.CollectionCount(0); var g1 = GC.CollectionCount(1); var g2 = GC.CollectionCount(2);
                    var trees = texts.Select(t => (t.Item1, YamlTree.Parse(t.Item2, t.Item1, PolicyLimits.Default, problems))).ToArray();
                    var tree = sw.Elapsed.TotalMilliseconds;
                    Console.WriteLine($"  tree GC pause {(GC.GetTotalPauseDuration() - pause0).TotalMilliseconds:F0} ms, gen0 {GC.CollectionCount(0) - g0}, gen1 {GC.CollectionCount(1) - g1}, gen2 {GC.CollectionCount(2) - g2}");
                    sw.Restart();
                    var m = new PolicyModel();
                    foreach (var (file, root) in trees) new PolicyParser(file, problems).ReadFile(root, m);
                    var read = sw.Elapsed.TotalMilliseconds;
                    Console.WriteLine($"YamlDotNet events only {scan:F0} ms ({events:N0} events); tree {tree:F0} ms; model {read:F0} ms; problems {problems.Count}");
                }
            }
            finally { Directory.Delete(dir, true); }
            return 0;
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
            YamlExport.Write(model, dir);
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
