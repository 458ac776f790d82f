using JitBot.Incidents;
using Microsoft.Extensions.Options;

namespace JitBot.Hosting;

/// <summary>Stops start-up with a sentence naming each <c>Incidents</c> setting that is out of range.</summary>
public sealed class IncidentsOptionsValidator : IValidateOptions<IncidentsOptions>
{
    public ValidateOptionsResult Validate(string? name, IncidentsOptions options) =>
        options.ArchiveCheckMinutes is < 0 or > 1440
            ? ValidateOptionsResult.Fail(Settings.Invalid("Incidents:ArchiveCheckMinutes", "must be a number of minutes from 0 (off) to 1440, such as 5"))
            : ValidateOptionsResult.Success;
}
