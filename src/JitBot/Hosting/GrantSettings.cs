using JitBot.Grants;
using Microsoft.Extensions.Options;

namespace JitBot.Hosting;

/// <summary>Stops start-up with a sentence naming each <c>Grants</c> setting that is out of range.</summary>
public sealed class GrantsOptionsValidator : IValidateOptions<GrantsOptions>
{
    public ValidateOptionsResult Validate(string? name, GrantsOptions options)
    {
        var problems = new List<string>();
        if (options.RevokeAlertAfter < 1)
            problems.Add(Settings.Invalid("Grants:RevokeAlertAfter", "must be a number of failed attempts of at least 1, such as 3"));
        if (options.RevokeConcurrency is < 1 or > 1000)
            problems.Add(Settings.Invalid("Grants:RevokeConcurrency", "must be a whole number of grants from 1 to 1000, such as 64"));
        if (options.RevokeLateWarnSeconds is < 0 or > 86400 || double.IsNaN(options.RevokeLateWarnSeconds))
            problems.Add(Settings.Invalid("Grants:RevokeLateWarnSeconds", "must be a number of seconds from 0 (no warning) to 86400, such as 5"));
        if (options.ReconcileMinutes is < 0 or > 10080)
            problems.Add(Settings.Invalid("Grants:ReconcileMinutes", "must be a number of minutes from 0 (off) to 10080, such as 10"));
        if (options.WarnBeforeMinutes is < 0 or > 1440)
            problems.Add(Settings.Invalid("Grants:WarnBeforeMinutes", "must be a number of minutes from 0 (no warning) to 1440, such as 10"));
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
