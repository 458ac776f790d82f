using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JitBot.Policies;

public static class PolicyServiceExtensions
{
    public const string PathKey = "Policies:Path";

    /// <summary>
    /// Loads the policy folder named by <c>Policies:Path</c> now, so a missing setting or an invalid policy
    /// stops start-up with a message that says what to fix, and registers <see cref="PolicySource"/> as
    /// <see cref="IPolicySource"/>. <paramref name="providerTypes"/> are the provider types the bot has.
    /// </summary>
    public static IHostApplicationBuilder AddPolicies(this IHostApplicationBuilder builder, IReadOnlyCollection<string> providerTypes)
    {
        var configured = builder.Configuration[PathKey];
        if (string.IsNullOrWhiteSpace(configured))
            throw new InvalidOperationException(
                $"The setting {PathKey} is missing. Set it to the folder that holds the policy files, in appsettings.json " +
                "or as the environment variable Policies__Path (for example Policies__Path=examples/policies). See docs/policies.md.");

        var path = ResolvePath(configured, builder.Environment.ContentRootPath);
        var source = new PolicySource(path, providerTypes); // throws PolicyLoadException listing file:line:col problems
        builder.Services.AddSingleton(source);
        builder.Services.AddSingleton<IPolicySource>(source);
        return builder;
    }

    /// <summary>
    /// A relative path is looked up from the working directory, then from the content root, then from their
    /// parent folders (`dotnet run --project src/JitBot` runs in the project folder, not where it was typed).
    /// </summary>
    public static string ResolvePath(string configured, string? contentRoot = null)
    {
        if (Path.IsPathRooted(configured) || Directory.Exists(configured)) return configured;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), contentRoot })
        {
            var dir = start is null ? null : new DirectoryInfo(start);
            for (var depth = 0; dir is not null && depth < 6; depth++, dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, configured);
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        return configured;
    }
}
