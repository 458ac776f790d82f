using Microsoft.Extensions.Options;

namespace JitBot.Hosting;

/// <summary>Sentences for settings that are missing or wrong, naming the key, its environment variable and the docs.</summary>
public static class Settings
{
    public const string Docs = "README.md#settings";

    /// <summary>
    /// The settings JitBot cannot start without (the others have defaults). <c>Slack:SigningSecret</c> is required
    /// unless <c>Slack:AppToken</c> (Socket Mode) is set.
    /// </summary>
    public static readonly string[] Required = ["Slack:BotToken", "Slack:SigningSecret", Policies.PolicyServiceExtensions.PathKey];

    /// <summary>Neither the signing secret (HTTP request URLs) nor the app-level token (Socket Mode) is set.</summary>
    public static readonly string MissingSigningSecret =
        "The setting Slack:SigningSecret is missing, and Slack:AppToken is not set either: JitBot needs one of them to hear from Slack, "
        + "the signing secret for HTTPS request URLs or the app-level token (xapp-…) for Socket Mode. Set it in appsettings.json or as the "
        + $"environment variable {EnvironmentVariable("Slack:SigningSecret")} (or {EnvironmentVariable("Slack:AppToken")}); see {Docs}.";

    /// <summary>"Slack:BotToken" → "Slack__BotToken".</summary>
    public static string EnvironmentVariable(string key) => key.Replace(":", "__");

    public static string Missing(string key) =>
        $"The setting {key} is missing. Set it in appsettings.json or as the environment variable {EnvironmentVariable(key)}; see {Docs}.";

    public static string Invalid(string key, string why) =>
        $"The setting {key} {why}. Set it in appsettings.json or as the environment variable {EnvironmentVariable(key)}; see {Docs}.";

    /// <summary>
    /// Stops start-up, before any feature reads its settings, when a required setting is missing: one sentence
    /// per missing key, all at once.
    /// </summary>
    public static T RequireSettings<T>(this T builder) where T : IHostApplicationBuilder
    {
        var socketMode = !string.IsNullOrWhiteSpace(builder.Configuration["Slack:AppToken"]);
        var missing = Required.Where(k => string.IsNullOrWhiteSpace(builder.Configuration[k]))
            .Select(k => k == "Slack:SigningSecret" ? socketMode ? null : MissingSigningSecret : Missing(k))
            .OfType<string>().ToList();
        if (missing.Count > 0) throw new StartupException(missing);
        return builder;
    }
}

/// <summary>Start-up stopped for reasons a person can fix; <see cref="Problems"/> says what to do.</summary>
public sealed class StartupException(IReadOnlyList<string> problems) : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

public static class StartupErrors
{
    /// <summary>
    /// The sentences that explain why start-up stopped, or none when <paramref name="error"/> is a real bug
    /// (which then surfaces with its stack trace). Never contains a secret.
    /// </summary>
    public static IReadOnlyList<string> Explain(Exception error) => error switch
    {
        StartupException s => s.Problems,
        OptionsValidationException o => o.Failures.ToList(),
        AggregateException a => a.InnerExceptions.SelectMany(Explain).ToList(),
        Storage.StorageUnavailableException s => [s.Message, $"JitBot keeps its requests, grants and audit log there; see {Settings.Docs}."],
        Providers.ProviderSettingsException p => [.. p.Message.Split(Environment.NewLine), "See docs/providers.md for the provider settings."],
        Policies.PolicyLoadException p => [p.Message, $"Fix the policy (check it with: jitbot policy validate <dir>) or point Policies:Path at another folder; see {Settings.Docs}."],
        _ => [],
    };

    /// <summary>Prints the explanation and returns the exit code for a start-up that could not happen.</summary>
    public static int Report(Exception error, TextWriter stderr)
    {
        foreach (var line in Explain(error)) stderr.WriteLine(line);
        stderr.WriteLine("JitBot did not start because of the problems above.");
        return 1;
    }
}
