using System.Globalization;

namespace JitBot.LoadTest.Analysis;

/// <summary>One Web API call the fake Slack served: when it arrived (Unix ms), the method, the HTTP status, channel and text.</summary>
internal sealed record Call(long AtMs, string Method, int Status, string Channel, string Text)
{
    public bool Delivered => Status == 200;

    /// <summary>Reads the fake's record file (<c>fake-slack --record</c>); lines it cannot read are skipped.</summary>
    public static List<Call> ReadAll(string path)
    {
        var calls = new List<Call>();
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split('\t', 5);
            if (parts.Length == 5 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var at) &&
                int.TryParse(parts[2], CultureInfo.InvariantCulture, out var status))
                calls.Add(new Call(at, parts[1], status, parts[3], parts[4]));
        }
        return calls;
    }

    /// <summary>"chat.postMessage 1,234 (429: 56), …": calls served per method, and how many of them were refused with 429.</summary>
    public static string PerMethod(IEnumerable<Call> calls) => string.Join(", ", calls
        .GroupBy(c => c.Method)
        .OrderByDescending(g => g.Count())
        .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count():N0} (429: {g.Count(c => c.Status == 429):N0})")));
}
