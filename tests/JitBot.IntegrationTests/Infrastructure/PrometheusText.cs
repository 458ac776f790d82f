using System.Globalization;
using System.Text.RegularExpressions;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// A scrape of <c>/metrics</c> read as Prometheus' text format: each sample's name, labels and value, and each
/// metric family's <c># TYPE</c>. Enough to check what JitBot exports; not a full parser (no escapes in label values).
/// </summary>
public sealed partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public PrometheusText(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Types[parts[2]] = parts[3];
                continue;
            }
            if (line.StartsWith('#')) continue;
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"Not a Prometheus sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            Samples.Add(new Sample(match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
    }

    public string Text { get; }
    public List<Sample> Samples { get; } = [];
    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    /// <summary>The value of the one sample named <paramref name="name"/> whose labels include <paramref name="labels"/> (<c>key=value</c>), or null when there is none.</summary>
    public double? Value(string name, params string[] labels)
    {
        var matching = Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Split('=')[0], out var v) && v == l.Split('=', 2)[1])).ToList();
        Assert.True(matching.Count <= 1, $"{matching.Count} samples of {name} {string.Join(",", labels)}:\n{Text}");
        return matching.Count == 0 ? null : matching[0].Value;
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"")]
    private static partial Regex LabelPair();
}
