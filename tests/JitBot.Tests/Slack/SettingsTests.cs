using JitBot.Hosting;
using Microsoft.AspNetCore.Builder;
using JitBot.SlackApp;
using Microsoft.Extensions.Options;

namespace JitBot.Tests.Slack;

public class SettingsTests
{
    [Fact]
    public void RequireSettings_NamesEveryMissingKey_ItsVariable_AndTheDocs()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["Slack:BotToken"] = "xoxb-1";
        var e = Assert.Throws<StartupException>(() => builder.RequireSettings());
        Assert.Equal(2, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.Contains("Slack:SigningSecret") && p.Contains("Slack__SigningSecret") && p.Contains("README.md#settings"));
        Assert.Contains(e.Problems, p => p.Contains("Policies:Path") && p.Contains("Policies__Path"));
        Assert.DoesNotContain("xoxb-1", e.Message);
    }

    [Fact]
    public void RequireSettings_WithEverything_Passes()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["Slack:BotToken"] = "xoxb-1";
        builder.Configuration["Slack:SigningSecret"] = "s";
        builder.Configuration["Policies:Path"] = "p";
        builder.RequireSettings();
    }

    [Fact]
    public void SlackOptions_BadApiBaseUrl_IsExplained()
    {
        var result = new SlackOptionsValidator().Validate(null,
            new SlackOptions { BotToken = "xoxb-1", SigningSecret = "s", ApiBaseUrl = "slack.com/api" });
        Assert.True(result.Failed);
        Assert.Contains("Slack:ApiBaseUrl", result.FailureMessage);
        Assert.Contains("Slack__ApiBaseUrl", result.FailureMessage);
    }

    [Fact]
    public void SlackOptions_NeverPrintTheirSecrets() =>
        Assert.DoesNotContain("xoxb-secret", new SlackOptions { BotToken = "xoxb-secret", SigningSecret = "shh" }.ToString());

    [Fact]
    public void StartupErrors_ExplainSettingsProblems_ButNotBugs()
    {
        Assert.Single(StartupErrors.Explain(new StartupException(["The setting X is missing."])));
        Assert.Single(StartupErrors.Explain(new AggregateException(new OptionsValidationException("Slack", typeof(SlackOptions), ["bad"]))));
        Assert.Empty(StartupErrors.Explain(new NullReferenceException()));
        var output = new StringWriter();
        Assert.Equal(1, StartupErrors.Report(new StartupException(["The setting X is missing."]), output));
        Assert.Contains("The setting X is missing.", output.ToString());
    }

    [Fact]
    public void StartupErrors_ExplainAnInvalidPolicy()
    {
        var dir = Directory.CreateTempSubdirectory("jitbot-badpolicy-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "policy.yaml"), "policy:\n  no_such_key: 1\n");
            var e = Assert.Throws<JitBot.Policies.PolicyLoadException>(() => new JitBot.Policies.PolicySource(dir, JitBot.Providers.ProviderTypes.Known));
            var lines = StartupErrors.Explain(e);
            Assert.Contains(lines, l => l.Contains("is not valid"));
            Assert.Contains(lines, l => l.Contains("jitbot policy validate"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SendingSettings_OutOfRange_AreExplained()
    {
        var slack = new SlackOptionsValidator().Validate(null,
            new SlackOptions { BotToken = "xoxb-1", SigningSecret = "s", MessagesPerSecond = 0, MessageBurst = 0 });
        Assert.Contains("Slack:MessagesPerSecond", slack.FailureMessage);
        Assert.Contains("Slack__MessageBurst", slack.FailureMessage);

        var notices = new JitBot.Hosting.NotificationOptionsValidator().Validate(null, new JitBot.Requests.NotificationOptions { Senders = 0 });
        Assert.True(notices.Failed);
        Assert.Contains("Notifications:Senders", notices.FailureMessage);
        Assert.Contains("from 1 to 64", notices.FailureMessage);
        Assert.True(new JitBot.Hosting.NotificationOptionsValidator().Validate(null, new JitBot.Requests.NotificationOptions()).Succeeded);
    }

    [Fact]
    public void GrantSettings_OutOfRange_AreExplained()
    {
        var grants = new JitBot.Hosting.GrantsOptionsValidator().Validate(null,
            new JitBot.Grants.GrantsOptions { RevokeConcurrency = 0, RevokeAlertAfter = 0, RevokeLateWarnSeconds = -1, ReconcileMinutes = -5 });
        Assert.True(grants.Failed);
        Assert.Contains("Grants:RevokeConcurrency", grants.FailureMessage);
        Assert.Contains("from 1 to 1000", grants.FailureMessage);
        Assert.Contains("Grants:RevokeAlertAfter", grants.FailureMessage);
        Assert.Contains("Grants:RevokeLateWarnSeconds", grants.FailureMessage);
        Assert.Contains("Grants:ReconcileMinutes", grants.FailureMessage);
        Assert.True(new JitBot.Hosting.GrantsOptionsValidator().Validate(null, new JitBot.Grants.GrantsOptions()).Succeeded);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1441)]
    public void IncidentSettings_OutOfRange_AreExplained(int minutes)
    {
        var result = new JitBot.Hosting.IncidentsOptionsValidator().Validate(null, new JitBot.Incidents.IncidentsOptions { ArchiveCheckMinutes = minutes });
        Assert.True(result.Failed);
        Assert.Contains("Incidents:ArchiveCheckMinutes", result.FailureMessage);
        Assert.Contains("0 (off) to 1440", result.FailureMessage);
        Assert.True(new JitBot.Hosting.IncidentsOptionsValidator().Validate(null, new JitBot.Incidents.IncidentsOptions()).Succeeded);
    }
}
