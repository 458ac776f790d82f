using System.Globalization;

namespace JitBot.LoadTest;

/// <summary>The command line: a verb and <c>--name value</c> pairs, with the defaults in one place.</summary>
internal sealed class Options
{
    static readonly string[] Verbs = ["run", "fake-slack", "grants", "notices", "backlog"];
    readonly Dictionary<string, string> _values;

    Options(string verb, Dictionary<string, string> values) => (Verb, _values) = (verb, values);

    public string Verb { get; }

    public static Options? Parse(string[] args)
    {
        if (args.Length == 0 || !Verbs.Contains(args[0])) return null;
        var map = new Dictionary<string, string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) return null;
            map[args[i][2..]] = args[++i];
        }
        string[] required = args[0] switch
        {
            "run" => ["url", "secret"],
            "grants" => ["provider", "connection"],
            "notices" => ["provider", "connection", "calls"],
            "backlog" => ["calls", "sent"],
            _ => [],
        };
        return required.All(map.ContainsKey) ? new Options(args[0], map) : null;
    }

    public string Text(string key, string fallback = "") => _values.TryGetValue(key, out var v) ? v : fallback;
    public int Int(string key, int fallback) => _values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public long Long(string key, long fallback) => _values.TryGetValue(key, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public double Double(string key, double fallback) => _values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public bool Flag(string key, bool fallback) => _values.TryGetValue(key, out var v) ? v is "yes" or "on" or "true" : fallback;
    public string[] List(string key, string fallback) => Text(key, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A duration such as <c>45ms</c>, <c>2s</c> or a plain number of milliseconds.</summary>
    public TimeSpan Duration(string key, TimeSpan fallback) =>
        _values.TryGetValue(key, out var v) ? ParseDuration(v) : fallback;

    public static TimeSpan ParseDuration(string text)
    {
        text = text.Trim();
        if (text.EndsWith("ms", StringComparison.Ordinal)) return TimeSpan.FromMilliseconds(double.Parse(text[..^2], CultureInfo.InvariantCulture));
        if (text.EndsWith('s')) return TimeSpan.FromSeconds(double.Parse(text[..^1], CultureInfo.InvariantCulture));
        return TimeSpan.FromMilliseconds(double.Parse(text, CultureInfo.InvariantCulture));
    }
}
