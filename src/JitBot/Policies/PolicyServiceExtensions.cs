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
    /// <see cref="IPolicySource"/>.
    /// </summary>
    public static IHostApplicationBuilder AddPolicies(this IHostApplicationBuilder builder)
    {
        var configured = builder.Configuration[PathKey];
        if (string.IsNullOrWhiteSpace(configured))
            throw new InvalidOperationException(
                $"The setting {PathKey} is missing. Set it to the folder that holds the policy files, in appsettings.json " +
                "or as the environment variable Policies__Path (for example Policies__Path=examples/policies). See docs/policies.md.");

        var path = ResolvePath(configured, builder.Environment.ContentRootPath);
        var source = new PolicySource(path); // throws PolicyLoadException listing file:line:col problems
        builder.Services.AddSingleton(source);
        builder.Services.AddSingleton<IPolicySource>(source);
        return builder;
    }

    /// <summary>A relative path is taken from the working directory, or else from the content root.</summary>
    internal static string ResolvePath(string configured, string contentRoot)
    {
        if (Path.IsPathRooted(configured) || Directory.Exists(configured)) return configured;
        var fromRoot = Path.Combine(contentRoot, configured);
        return Directory.Exists(fromRoot) ? fromRoot : configured;
    }
}
