using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using JitBot.Audit;
using JitBot.Providers;

namespace JitBot.TestSupport.Secrets;

/// <summary>One place a secret turned up: where, and which secret (by fingerprint, so the finding does not repeat it).</summary>
public sealed record SecretFinding(string Source, string Fingerprint, string Form)
{
    public override string ToString() => $"{Source}: a secret (fingerprint {Fingerprint}) appears {Form}";
}

/// <summary>
/// Looks for secrets in what a test run left behind: log lines, audit records, files. A secret counts as found
/// as written, JSON-escaped, URL-encoded or base64-encoded. Call <see cref="Scan"/> with every secret the run
/// handled (passwords, tokens, signing keys, connection strings) and assert that nothing was found.
/// </summary>
public static class SecretScanner
{
    /// <summary>Secrets shorter than this would match by accident; a test's secrets must be at least this long.</summary>
    public const int MinimumLength = 8;

    public static IReadOnlyList<SecretFinding> Scan(IEnumerable<string> secrets, IEnumerable<(string Source, string Text)> texts)
    {
        // Every form of every secret, searched for at once (a whole run's logs hold millions of characters).
        var owners = new Dictionary<string, List<(string Fingerprint, string Form)>>(StringComparer.Ordinal);
        foreach (var secret in secrets.Distinct())
        {
            if (secret.Length < MinimumLength)
                throw new ArgumentException($"A secret to scan for must have at least {MinimumLength} characters, or it would match by accident.");
            foreach (var (form, value) in Forms(secret))
                (owners.TryGetValue(value, out var list) ? list : owners[value] = []).Add((IssuedCredential.Of(secret), form));
        }
        var findings = new List<SecretFinding>();
        if (owners.Count == 0) return findings;
        var search = SearchValues.Create(owners.Keys.ToArray(), StringComparison.Ordinal);
        foreach (var (source, text) in texts)
        {
            var seen = new HashSet<(string, string)>();
            for (var at = 0; at < text.Length;)
            {
                var next = text.AsSpan(at).IndexOfAny(search);
                if (next < 0) break;
                at += next;
                foreach (var (value, list) in owners)
                    if (text.AsSpan(at).StartsWith(value, StringComparison.Ordinal))
                        foreach (var (fingerprint, form) in list)
                            if (seen.Add((fingerprint, form))) findings.Add(new SecretFinding(source, fingerprint, form));
                at++;
            }
        }
        return findings;
    }

    /// <summary>Each audit record as the JSON text a reader of the audit log would see.</summary>
    public static IEnumerable<(string Source, string Text)> Audit(IEnumerable<AuditRecord> records) =>
        records.Select(r => ($"audit #{r.Seq} ({r.Event.Kind})", JsonSerializer.Serialize(r)));

    /// <summary>
    /// Every file under a folder (a database, its journal, a state file), read as UTF-8 and as Latin-1 bytes.
    /// The store's empty lock file (<c>*.lock</c>), which holds no data and may still be held while the bot
    /// shuts down, is left out.
    /// </summary>
    public static IEnumerable<(string Source, string Text)> Files(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(".lock", StringComparison.Ordinal) && new FileInfo(file).Length == 0) continue;
            var bytes = ReadAll(file);
            yield return (file, Encoding.UTF8.GetString(bytes));
            yield return (file + " (bytes)", Encoding.Latin1.GetString(bytes));
        }
    }

    /// <summary>
    /// Reads to the end of the file as it is now, without trusting the length seen on opening: a store that is
    /// still finishing its shutdown (a checkpoint shrinking its journal) must not make the scan throw.
    /// </summary>
    static byte[] ReadAll(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    static List<(string Form, string Value)> Forms(string secret) =>
    [
        ("as written", secret),
        ("JSON-escaped", JsonEncodedText.Encode(secret, JavaScriptEncoder.Default).ToString()),
        ("JSON-escaped (relaxed)", JsonEncodedText.Encode(secret, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString()),
        ("URL-encoded", Uri.EscapeDataString(secret)),
        ("base64-encoded", Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))),
    ];
}
