using JitBot.Requests;
using Microsoft.Extensions.Options;

namespace JitBot.Hosting;

/// <summary>Stops start-up with a sentence naming each <c>Notifications</c> setting that is out of range.</summary>
public sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var problems = new List<string>();
        if (options.Senders is < 1 or > 64)
            problems.Add(Settings.Invalid("Notifications:Senders", "must be a whole number of senders from 1 to 64, such as 16"));
        if (options.BacklogWarnCount < 1)
            problems.Add(Settings.Invalid("Notifications:BacklogWarnCount", "must be a number of notices of at least 1, such as 1000"));
        if (options.BacklogWarnSeconds < 1)
            problems.Add(Settings.Invalid("Notifications:BacklogWarnSeconds", "must be a number of seconds of at least 1, such as 60"));
        if (options.BacklogCheckSeconds is < 1 or > 3600)
            problems.Add(Settings.Invalid("Notifications:BacklogCheckSeconds", "must be a number of seconds from 1 to 3600, such as 30"));
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
