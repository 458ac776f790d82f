using JitBot.Policies;

namespace JitBot.Tests.Policies;

/// <summary>A policy folder in a temporary directory, deleted afterwards.</summary>
public sealed class TempPolicy : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "jitbot-policy-" + Guid.NewGuid().ToString("N"));

    public TempPolicy(params (string File, string Text)[] files)
    {
        Directory.CreateDirectory(Dir);
        foreach (var (file, text) in files) Write(file, text);
    }

    public static TempPolicy CopyOf(string source)
    {
        var t = new TempPolicy();
        foreach (var f in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(t.Dir, Path.GetRelativePath(source, f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
        }
        return t;
    }

    public void Write(string file, string text)
    {
        var path = Path.Combine(Dir, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public PolicyLoadResult Load() => PolicyLoader.Load(Dir);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

public static class Policy
{
    public static string ExamplesDir
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "examples", "policies"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("examples/policies"), "examples", "policies");
        }
    }

    /// <summary>Teams, groups, people and resources most tests share; rules are added per test.</summary>
    public const string Catalog = """
        teams:
          - {id: payments, channel: "#payments-access", approvers: {group: "@payments-oncall"}}
          - {id: data, channel: "#data-access", approvers: {users: [U0DAT0001, U0DAT0002]}}
          - {id: solo, channel: "#solo-access", approvers: {users: [U0SOLO001]}}
        groups:
          - {id: S0PAYONC, handle: "@payments-oncall", tags: {team: payments, role: oncall}}
          - {id: S0SECURE, handle: "@security", tags: {role: security}}
        people:
          - {slack: U0PAY0001, tags: {team: payments, employment: staff}}
          - {slack: U0CTR0001, tags: {team: payments, employment: contractor}}
          - {slack: U0DAT0001, tags: {team: [data, payments], employment: staff}}
          - {slack: U0NOEMP01, tags: {team: payments}}
          - {slack: U0SOLO001, tags: {team: solo, employment: staff}}
        resources:
          - {id: payments-db, description: Payments DB, tags: {env: production, owner-team: payments, data-class: restricted}}
          - {id: payments-api, description: Payments API, tags: {env: production, owner-team: payments, data-class: internal}}
          - {id: payments-dev, description: Payments dev, tags: {env: dev, owner-team: payments}}
          - {id: warehouse, description: Warehouse, tags: {env: production, owner-team: data, data-class: internal}}
          - {id: solo-box, description: Solo, tags: {env: production, owner-team: solo}}
        """;

    public static PolicySnapshot Load(string rules, string? extra = null)
    {
        using var t = new TempPolicy(("catalog.yaml", Catalog), ("rules.yaml", rules));
        if (extra is not null) t.Write("extra.yaml", extra);
        var result = t.Load();
        Assert.True(result.Snapshot is not null, string.Join("\n", result.Problems.Select(p => p.ToString())));
        return result.Snapshot!;
    }

    public static readonly DateTimeOffset Wednesday11 = new(2026, 3, 4, 11, 0, 0, TimeSpan.Zero);

    public static DecisionRequest Request(string user, string resource, string? duration = null, string? reason = "because",
        string[]? groups = null, bool incident = false, string? channel = null, DateTimeOffset? at = null, string? incidentLabel = null) =>
        new(new Principal(user, groups ?? []), resource, duration is null ? null : JitBot.Common.DurationText.Parse(duration), reason,
            new RequestContext(at ?? Wednesday11, null, channel, incident, IncidentLabel: incidentLabel));

    public static string[] RuleIds(Decision d) => d.Rules.Select(r => r.RuleId).ToArray();
}
