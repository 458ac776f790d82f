using System.Globalization;

namespace JitBot.Reports;

/// <summary>The words and formats the HTML page and the CSV share.</summary>
public static class ReportText
{
    /// <summary>Shown for a field that no audit event supplied (events written under an older audit format).</summary>
    public const string Unknown = "unknown";

    public static string Time(DateTimeOffset? t) =>
        t is { } v ? v.ToUniversalTime().ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture) : Unknown;

    public static string IsoTime(DateTimeOffset? t) =>
        t is { } v ? v.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) : "";

    /// <summary>A duration as people read it: 2h 30m, 3d 4h, 45s.</summary>
    public static string Duration(TimeSpan? d)
    {
        if (d is not { } v) return Unknown;
        if (v < TimeSpan.FromMinutes(1)) return $"{(int)v.TotalSeconds}s";
        var parts = new List<string>();
        if (v.Days > 0) parts.Add($"{v.Days}d");
        if (v.Hours > 0) parts.Add($"{v.Hours}h");
        if (v.Minutes > 0 && v.Days == 0) parts.Add($"{v.Minutes}m");
        return string.Join(' ', parts);
    }

    public static string End(GrantSummary g) => g.End switch
    {
        GrantEnd.Active => "still active",
        GrantEnd.Expired => "expired",
        GrantEnd.Revoked => "revoked",
        GrantEnd.CutShort => g.Ended is null ? "cut short (still active)" : "cut short",
        GrantEnd.Failed => "failed",
        _ => Unknown,
    };

    public static string Approval(GrantSummary g) => g.Approval switch
    {
        GrantApproval.Approved => g.ApprovedBy ?? Unknown,
        GrantApproval.Auto => "auto (policy)",
        GrantApproval.Incident => "auto (incident)",
        _ => Unknown,
    };
}
