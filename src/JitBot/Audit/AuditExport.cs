using System.Globalization;
using System.Text;
using System.Text.Json;
using JitBot.Storage;

namespace JitBot.Audit;

/// <summary>
/// Writes audit events as JSON Lines (one object per line: seq, at, kind, actor, request, grant, data, prev_hash,
/// hash) or CSV (RFC 4180 with CRLF line ends in a file, LF on a terminal; with a header; data as a JSON object in one cell; a cell starting with = + - @, tab or
/// carriage return gets a leading ' so a spreadsheet does not run it as a formula). Reads the log in pages, so
/// memory stays bounded whatever its length.
/// </summary>
public static class AuditExport
{
    public const int Page = 1000;

    public static readonly string[] CsvColumns = ["seq", "at", "kind", "actor", "request", "grant", "data", "prev_hash", "hash"];

    /// <summary>
    /// Writes every event whose time is in <paramref name="inRange"/>, oldest first; returns how many. Reading starts
    /// just before <paramref name="since"/> (<see cref="AuditStart"/>), so a recent range does not read the whole log.
    /// </summary>
    public static async Task<long> WriteAsync(IAuditStore store, DateTimeOffset? since, Func<DateTimeOffset, bool> inRange, bool csv, TextWriter output, CancellationToken ct, string csvLineEnd = "\r\n")
    {
        if (csv) output.Write(string.Join(',', CsvColumns) + csvLineEnd);
        long after = await AuditStart.AfterAsync(store, since, ct).ConfigureAwait(false), written = 0;
        while (true)
        {
            var page = await store.ReadAuditAsync(after, Page, ct).ConfigureAwait(false);
            foreach (var r in page)
            {
                if (!inRange(r.Event.At)) continue;
                output.Write(csv ? CsvLine(r, csvLineEnd) : JsonLine(r));
                written++;
            }
            if (page.Count < Page) return written;
            after = page[^1].Seq;
        }
    }

    public static string JsonLine(AuditRecord r)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("seq", r.Seq);
            w.WriteString("at", Time(r.Event.At));
            w.WriteString("kind", r.Event.Kind);
            w.WriteString("actor", r.Event.Actor);
            w.WriteString("request", r.Event.RequestId);
            w.WriteString("grant", r.Event.GrantId);
            WriteData(w, r.Event);
            w.WriteString("prev_hash", r.PreviousHash);
            w.WriteString("hash", r.Hash);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static string CsvLine(AuditRecord r, string lineEnd = "\r\n")
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer)) WriteData(w, r.Event, named: false);
        string?[] cells =
        [
            r.Seq.ToString(CultureInfo.InvariantCulture), Time(r.Event.At), r.Event.Kind, r.Event.Actor, r.Event.RequestId, r.Event.GrantId,
            Encoding.UTF8.GetString(buffer.ToArray()), r.PreviousHash, r.Hash,
        ];
        return string.Join(',', cells.Select(Cell)) + lineEnd;
    }

    /// <summary>One CSV cell: formula-looking text neutralised with a leading ', then quoted when it holds , " CR or LF.</summary>
    public static string Cell(string? value)
    {
        var text = value ?? "";
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r') text = "'" + text;
        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }

    static void WriteData(Utf8JsonWriter w, AuditEvent e, bool named = true)
    {
        if (named) w.WriteStartObject("data");
        else w.WriteStartObject();
        if (e.Data is not null)
            foreach (var (key, value) in e.Data.OrderBy(p => p.Key, StringComparer.Ordinal))
                w.WriteString(key, value);
        w.WriteEndObject();
    }

    static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
