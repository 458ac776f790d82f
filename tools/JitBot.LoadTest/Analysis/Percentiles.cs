using System.Globalization;

namespace JitBot.LoadTest.Analysis;

/// <summary>Nearest-rank percentiles of a set of values (milliseconds, usually), and their one-line summary.</summary>
internal sealed class Percentiles
{
    readonly double[] _sorted;

    public Percentiles(IEnumerable<double> values) => _sorted = values.Order().ToArray();

    public int Count => _sorted.Length;

    /// <summary>The smallest value that at least <paramref name="q"/> of the values do not exceed; NaN when empty.</summary>
    public double At(double q) =>
        _sorted.Length == 0 ? double.NaN : _sorted[Math.Clamp((int)Math.Ceiling(q * _sorted.Length) - 1, 0, _sorted.Length - 1)];

    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];

    /// <summary>"p50 … , p90 … , p99 … , max …" in the given unit ("ms" with 2 decimals, "s" with 2, from milliseconds).</summary>
    public string Summary(string unit = "ms")
    {
        var divisor = unit == "s" ? 1000.0 : 1.0;
        string F(double v) => (v / divisor).ToString("F2", CultureInfo.InvariantCulture) + " " + unit;
        return $"p50 {F(At(0.50))}, p90 {F(At(0.90))}, p99 {F(At(0.99))}, max {F(Max)}";
    }
}
