using System.Data.Common;
using System.Text;

namespace JitBot.TestSupport.Secrets;

/// <summary>
/// What the bots of a whole test run leave behind, for the secret scan that runs after it (docs/testing.md): every
/// log line of every host and bot process the tests start, the audit records of every host, and every secret the
/// tests configured or the bot issued. On only when <see cref="Variable"/> names a folder (<c>.ci/run</c> sets it);
/// otherwise <see cref="Current"/> is null and nothing is written.
/// </summary>
public sealed class RunCollection(string folder)
{
    public const string Variable = "JITBOT_TEST_COLLECT";

    /// <summary>The run's collection, or null when the run does not collect.</summary>
    public static RunCollection? Current { get; } =
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } dir ? new RunCollection(dir) : null;

    public string Folder => folder;

    /// <summary>Remembers a secret (kinds: <see cref="SecretKind"/>, or <c>issued:…</c> for what the bot handed out).</summary>
    public void Secret(string kind, string? value)
    {
        if (value is null || value.Length < SecretScanner.MinimumLength) return;
        var line = $"{kind}\t{Convert.ToBase64String(Encoding.UTF8.GetBytes(value))}\n";
        Directory.CreateDirectory(Path.Combine(folder, "secrets"));
        lock (Gate) File.AppendAllText(Path.Combine(folder, "secrets", $"{Environment.ProcessId}.tsv"), line);
    }

    /// <summary>Remembers the secrets among settings (keys as in configuration, <c>Slack:SigningSecret</c>, or as environment variables).</summary>
    public void SecretsIn(IEnumerable<KeyValuePair<string, string?>> settings)
    {
        foreach (var (key, value) in settings)
        {
            if (SecretKind(key.Replace("__", ":")) is not { } kind || string.IsNullOrEmpty(value)) continue;
            Secret(kind, kind == ConnectionPassword ? PasswordOf(value) : value);
        }
    }

    const string ConnectionPassword = "connection-password";

    /// <summary>What kind of secret a setting holds, or null for a setting that holds none.</summary>
    public static string? SecretKind(string key)
    {
        var last = key[(key.LastIndexOf(':') + 1)..];
        var parent = key.Split(':') is { Length: >= 2 } parts ? parts[^2] : "";
        return last switch
        {
            "SigningSecret" => "slack-signing-secret",
            "BotToken" => "slack-bot-token",
            "AppToken" => "slack-app-token",
            "Secret" => "webhook-secret",
            "SigningKey" => "signing-key",
            "ApiKey" => "api-key",
            "Password" => "password",
            "ConnectionString" => ConnectionPassword,
            _ when parent == "Keys" => "api-key",
            _ => null,
        };
    }

    static string? PasswordOf(string connectionString)
    {
        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
            return builder.TryGetValue("Password", out var password) ? password?.ToString() : null;
        }
        catch (ArgumentException)
        {
            return null; // a plain file path
        }
    }

    /// <summary>
    /// A new log file for one host (<c>host</c>) or bot process (<c>process</c>), written as lines arrive, or, when
    /// <paramref name="buffered"/>, in blocks and whole once it is disposed (for an in-process host, which is always disposed).
    /// </summary>
    public TextWriter Log(string kind, bool buffered = false)
    {
        Directory.CreateDirectory(Path.Combine(folder, "logs"));
        var file = new StreamWriter(Path.Combine(folder, "logs", $"{kind}-{Guid.NewGuid():N}.log")) { AutoFlush = !buffered };
        return TextWriter.Synchronized(file);
    }

    /// <summary>One host's audit records, one JSON document a line.</summary>
    public void Audit(IEnumerable<string> records)
    {
        Directory.CreateDirectory(Path.Combine(folder, "audit"));
        File.WriteAllLines(Path.Combine(folder, "audit", $"{Guid.NewGuid():N}.jsonl"), records);
    }

    static readonly Lock Gate = new();

    /// <summary>Reads everything collected and looks for every collected secret in every log line and audit record.</summary>
    public RunScanReport Scan()
    {
        var secrets = Files("secrets", "*.tsv").SelectMany(File.ReadLines)
            .Select(l => l.Split('\t'))
            .Where(p => p.Length == 2)
            .Select(p => (Kind: p[0], Value: Encoding.UTF8.GetString(Convert.FromBase64String(p[1]))))
            .Distinct().ToList();
        var logs = Files("logs", "*.log").ToList();
        var audits = Files("audit", "*.jsonl").ToList();
        var texts = logs.Concat(audits).Select(f => (Source: Path.GetRelativePath(folder, f), Text: File.ReadAllText(f))).ToList();
        var findings = SecretScanner.Scan(secrets.Select(s => s.Value), texts).ToList();
        // A private key nobody told the scan about (a generated one) is still a private key.
        findings.AddRange(texts.Where(t => t.Text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            .Select(t => new SecretFinding(t.Source, "(a PEM private key)", "as written")));
        return new RunScanReport(
            HostLogs: logs.Count(f => Path.GetFileName(f).StartsWith("host-", StringComparison.Ordinal) && new FileInfo(f).Length > 0),
            ProcessLogs: logs.Count(f => Path.GetFileName(f).StartsWith("process-", StringComparison.Ordinal) && new FileInfo(f).Length > 0),
            LogLines: logs.Sum(f => File.ReadLines(f).LongCount()),
            AuditRecords: audits.Sum(f => File.ReadLines(f).LongCount()),
            SecretsByKind: secrets.GroupBy(s => s.Kind).ToDictionary(g => g.Key, g => g.Count()),
            Findings: findings);
    }

    IEnumerable<string> Files(string sub, string pattern) =>
        Directory.Exists(Path.Combine(folder, sub)) ? Directory.EnumerateFiles(Path.Combine(folder, sub), pattern) : [];
}

/// <summary>What a scan of a run's collection saw and found.</summary>
public sealed record RunScanReport(int HostLogs, int ProcessLogs, long LogLines, long AuditRecords,
    IReadOnlyDictionary<string, int> SecretsByKind, IReadOnlyList<SecretFinding> Findings)
{
    /// <summary>The kinds of secret a full run configures or issues; a scan that knew none of one kind proves nothing about it.</summary>
    public static readonly string[] ExpectedKinds =
    [
        "slack-signing-secret", "slack-bot-token", "slack-app-token", "connection-password", "webhook-secret", "signing-key", "api-key",
        "issued:postgres-login", "issued:token", "issued:password",
    ];

    /// <summary>Why this scan would pass without having seen a whole run (too few hosts, processes or records; a kind of secret missing); empty when it saw one.</summary>
    public IEnumerable<string> Gaps(int minHosts = 40, int minProcesses = 8, long minAuditRecords = 200)
    {
        if (HostLogs < minHosts) yield return $"logs of {HostLogs} hosts, fewer than the {minHosts} a full run starts";
        if (ProcessLogs < minProcesses) yield return $"output of {ProcessLogs} bot processes, fewer than the {minProcesses} a full run starts";
        if (AuditRecords < minAuditRecords) yield return $"{AuditRecords} audit records, fewer than {minAuditRecords}";
        foreach (var kind in ExpectedKinds.Where(k => !SecretsByKind.ContainsKey(k)))
            yield return $"no secret of the kind {kind}: the flows that configure or issue one did not run, or did not say so";
    }
}
