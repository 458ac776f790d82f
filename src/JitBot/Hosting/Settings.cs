using Microsoft.Extensions.Options;

namespace JitBot.Hosting;

/// <summary>Sentences for settings that are missing or wrong, naming the key, its environment variable and the docs.</summary>
public static class Settings
{
    public const string Docs = "README.md#settings";

    /// <summary>"Slack:BotToken" → "Slack__BotToken".</summary>
    public static string EnvironmentVariable(string key) => key.Replace(":", "__");

    public static string Missing(string key) =>
        $"The setting {key} is missing. Set it in appsettings.json or as the environment variable {EnvironmentVariable(key)}; see {Docs}.";

    public static string Invalid(string key, string why) =>
        $"The setting {key} {why}. Set it in appsettings.json or as the environment variable {EnvironmentVariable(key)}; see {Docs}.";
}

/// <summary>The settings that must be present before JitBot starts, checked with the options of each feature.</summary>
public sealed class RequiredSettingsOptions
{
    public string? PoliciesPath { get; set; }
}

public sealed class RequiredSettingsValidator : IValidateOptions<RequiredSettingsOptions>
{
    public ValidateOptionsResult Validate(string? name, RequiredSettingsOptions options) =>
        string.IsNullOrWhiteSpace(options.PoliciesPath)
            ? ValidateOptionsResult.Fail(Settings.Missing("Policies:Path"))
            : ValidateOptionsResult.Success;
}

public static class SettingsExtensions
{
    /// <summary>Checks on start that the settings every feature needs are there (each feature validates its own too).</summary>
    public static WebApplicationBuilder AddSettingsChecks(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<RequiredSettingsOptions>, RequiredSettingsValidator>();
        builder.Services.AddOptions<RequiredSettingsOptions>()
            .Configure<IConfiguration>((o, c) => o.PoliciesPath = c["Policies:Path"])
            .ValidateOnStart();
        return builder;
    }

    /// <summary>
    /// Runs the host until it stops. When settings are missing or wrong, prints each problem as a sentence
    /// (never a stack trace, never a secret) and returns exit code 1.
    /// </summary>
    public static async Task<int> RunJitBotAsync(this WebApplication app)
    {
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (Failures(e) is { Count: > 0 } failures)
        {
            foreach (var failure in failures) Console.Error.WriteLine(failure);
            Console.Error.WriteLine("JitBot did not start because of the settings above.");
            return 1;
        }
    }

    static List<string> Failures(Exception e) => e switch
    {
        OptionsValidationException o => o.Failures.ToList(),
        AggregateException a => a.InnerExceptions.SelectMany(Failures).ToList(),
        _ => [],
    };
}
