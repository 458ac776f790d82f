using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.Hosting;

/// <summary>The bot as people run it, with a database it cannot use: start-up stops with a sentence and the data is kept.</summary>
public sealed class StorageStartupTests : IAsyncLifetime
{
    readonly string _folder = Directory.CreateTempSubdirectory("jitbot-storage-").FullName;
    FakeSlack _slack = null!;

    string DatabasePath => Path.Combine(_folder, "jitbot.db");

    public async Task InitializeAsync() => _slack = await FakeSlack.StartAsync();

    public async Task DisposeAsync()
    {
        await _slack.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    Dictionary<string, string?> Settings(string? provider = null) => new()
    {
        ["Slack__BotToken"] = FakeSlack.Token,
        ["Slack__SigningSecret"] = BotHost.SigningSecret,
        ["Slack__ApiBaseUrl"] = _slack.ApiBaseUrl.ToString(),
        ["Policies__Path"] = BotHost.PoliciesPath,
        ["Storage__ConnectionString"] = DatabasePath,
        ["Storage__Provider"] = provider,
    };

    [Fact]
    public async Task ASecondBotOnTheSameDatabaseFile_StopsAtStartUp_SayingTheFileIsInUse()
    {
        await using var first = BotProcess.Start(Settings());
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await first.WaitUntilHealthyAsync(client, TimeSpan.FromSeconds(60));

        await using var second = BotProcess.Start(Settings());
        var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains($"The setting Storage:ConnectionString names {DatabasePath}, which is in use by another process", second.Output);
        Assert.Contains("JitBot did not start because of the problems above.", second.Output);
        Assert.DoesNotContain("   at ", second.Output); // a sentence, not a stack trace
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync(new Uri(first.BaseAddress, "/healthz"))).StatusCode);
    }

    [Fact]
    public async Task ADatabaseFileThatIsNotLiteDb_StopsStartUp_WithASentence_AndIsLeftAsItWas()
    {
        var content = "not a database, but somebody's notes"u8.ToArray();
        await File.WriteAllBytesAsync(DatabasePath, content);

        await using var bot = BotProcess.Start(Settings());
        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains($"The setting Storage:ConnectionString names {DatabasePath}, which is not a LiteDB database", bot.Output);
        Assert.DoesNotContain("   at ", bot.Output);
        Assert.Equal(content, await File.ReadAllBytesAsync(DatabasePath));
    }

    [Fact]
    public async Task AStorageProviderJitBotDoesNotKnow_StopsStartUp_ListingTheAcceptedValues()
    {
        await using var bot = BotProcess.Start(Settings(provider: "mongodb"));
        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains("The setting Storage:Provider is \"mongodb\", which JitBot does not know; the accepted values are litedb, postgres.", bot.Output);
        Assert.Contains("Storage__Provider", bot.Output);
        Assert.False(File.Exists(DatabasePath));
    }

    [Fact]
    public async Task APostgresPoolTooSmallForTheSenders_StopsStartUp_SayingWhatToChange()
    {
        var settings = Settings(provider: "postgres");
        settings["Storage__ConnectionString"] = "Host=127.0.0.1;Port=1;Database=jitbot;Username=jitbot;Password=hunter2;Maximum Pool Size=5";
        settings["Notifications__Senders"] = "8";

        await using var bot = BotProcess.Start(settings);
        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains("The setting Storage:ConnectionString sets Maximum Pool Size=5, below the 12 connections JitBot needs at least " +
                        "(Notifications:Senders is 8, and each sender may hold a connection while Slack's requests need some too); " +
                        "raise it, leave it out (JitBot then uses 104), or lower Notifications:Senders.", bot.Output);
        Assert.DoesNotContain("hunter2", bot.Output);
        Assert.DoesNotContain("   at ", bot.Output);
    }
}
