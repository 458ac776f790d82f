using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace JitBot.Grants;

/// <summary>
/// A test hook, off in every real deployment: when the setting <c>Testing:CrashHooks</c> is <c>true</c>, the
/// environment variable <c>JITBOT_TEST_CRASH_AT</c> names a point of granting or revoking
/// (<see cref="Points"/>) where the process kills itself, so the crash-consistency tests can stop a real bot
/// there. Without the setting the variable is never read.
/// </summary>
public static class CrashHooks
{
    public const string SettingKey = "Testing:CrashHooks";
    public const string Variable = "JITBOT_TEST_CRASH_AT";

    public const string AfterProviderGrant = "after-provider-grant";
    public const string BeforeGrantCommit = "before-grant-commit";
    public const string AfterProviderRevoke = "after-provider-revoke";
    public const string BeforeRevokeCommit = "before-revoke-commit";

    public static readonly IReadOnlyList<string> Points = [AfterProviderGrant, BeforeGrantCommit, AfterProviderRevoke, BeforeRevokeCommit];

    static volatile string? _armed;

    /// <summary>Arms the hook from configuration (only when the test setting allows it).</summary>
    public static void Configure(IConfiguration configuration) =>
        _armed = configuration.GetValue<bool>(SettingKey) ? Environment.GetEnvironmentVariable(Variable) : null;

    /// <summary>Kills the process, without any clean-up, when the hook is armed for <paramref name="point"/>.</summary>
    public static void At(string point)
    {
        if (_armed is { } armed && string.Equals(armed, point, StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"Crash hook: stopping at {point}.");
            Process.GetCurrentProcess().Kill();
        }
    }
}
