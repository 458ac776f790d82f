using JitBot.TestSupport.Secrets;

namespace JitBot.Tests.Support;

/// <summary>The whole-run secret scan finds what is there and says when it saw too little to prove anything.</summary>
public sealed class RunCollectionTests : IDisposable
{
    const string Secret = "whsec-planted-0123456789";
    readonly RunCollection run = new(Directory.CreateTempSubdirectory("jitbot-collect-").FullName);

    public void Dispose() => Directory.Delete(run.Folder, recursive: true);

    [Fact]
    public void ASecretInAHostsLog_IsFound_WithoutBeingRepeated()
    {
        run.SecretsIn([new("Providers:webhook:deploys:Secret", Secret)]);
        using (var log = run.Log("host")) log.WriteLine("Information JitBot.Providers: POST with secret " + Secret);

        var findings = run.Scan().Findings;

        Assert.Contains(findings, f => f.Form == "as written");
        Assert.All(findings, f => Assert.StartsWith("logs/host-", f.Source));
        Assert.All(findings, f => Assert.DoesNotContain(Secret, f.ToString()));
    }

    [Fact]
    public void AnIssuedPasswordInAnAuditRecord_IsFound()
    {
        run.Secret("issued:postgres-login", "pw_" + Secret);
        run.Audit(["{\"Seq\":1,\"Event\":{\"Data\":{\"password\":\"pw_" + Secret + "\"}}}"]);

        Assert.Contains(run.Scan().Findings, f => f.Source.StartsWith("audit/", StringComparison.Ordinal) && f.Form == "as written");
    }

    [Fact]
    public void APrivateKeyNobodyRegistered_IsFound()
    {
        using (var log = run.Log("process")) log.WriteLine("-----BEGIN PRIVATE KEY-----");

        Assert.Single(run.Scan().Findings);
    }

    [Fact]
    public void TheSecretsOfConfiguration_AreKnownByKind_AndAConnectionStringGivesItsPassword()
    {
        run.SecretsIn([
            new("Slack__SigningSecret", "signing-secret-123"),
            new("Storage:ConnectionString", "Host=db;Username=jitbot;Password=pg-password-123"),
            new("Storage:ConnectionString", "data/jitbot.db"),
            new("Api:Keys:0", "api-key-0123456789"),
            new("Policies:Path", "/policies/are-not-secret"),
        ]);
        using (var log = run.Log("host")) log.WriteLine("connected with pg-password-123 to /policies/are-not-secret");

        var report = run.Scan();

        Assert.Equal(new Dictionary<string, int> { ["slack-signing-secret"] = 1, ["connection-password"] = 1, ["api-key"] = 1 }, report.SecretsByKind);
        Assert.Equal(["pg-password-123"], report.Findings.Select(f => f.Fingerprint).Distinct()
            .Select(fp => fp == JitBot.Providers.IssuedCredential.Of("pg-password-123") ? "pg-password-123" : fp));
    }

    [Fact]
    public void AScanOfTooLittle_SaysWhyItProvesNothing()
    {
        using (var log = run.Log("host")) log.WriteLine("Information JitBot: started");

        var gaps = run.Scan().Gaps().ToList();

        Assert.Contains(gaps, g => g.Contains("logs of 1 hosts"));
        Assert.Contains(gaps, g => g.Contains("issued:token"));
    }
}
