using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using JitBot.Common;
using JitBot.Policies;

namespace JitBot.Cli;

/// <summary>
/// The <c>jitbot</c> command line. With no arguments, or only settings (<c>--Slack:BotToken=…</c>,
/// <c>--urls http://+:8080</c>), the program runs the bot; everything else is a command:
/// <c>jitbot policy validate|test|explain</c>, with <c>--help</c> for each. Exit codes: 0 ok, 1 invalid
/// policy or failing test, 2 usage error (an unknown command or option, a missing or unreadable value).
/// </summary>
public static class JitBotCommandLine
{
    static readonly string[] HelpWords = ["help", "h", "?", "version"];

    /// <summary>
    /// Whether the arguments start the bot: none at all, or only settings as ASP.NET Core reads them from the
    /// command line (<c>--key=value</c>, <c>--key value</c>, <c>/key value</c>, <c>key=value</c>). Anything
    /// else (a word, a flag without a value, <c>--help</c>) is for the command line, which says what is wrong
    /// with it instead of starting a bot nobody asked for.
    /// </summary>
    public static bool StartsTheBot(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var prefixed = arg.StartsWith("--", StringComparison.Ordinal) ? 2 : arg.StartsWith('/') ? 1 : 0;
            var equals = arg.IndexOf('=');
            var key = equals >= 0 ? arg[prefixed..equals] : arg[prefixed..];
            if (!IsSettingKey(key)) return false;
            if (equals >= 0) continue;
            if (prefixed == 0 || i + 1 >= args.Count || args[i + 1].StartsWith('-')) return false;
            i++; // the value
        }
        return true;

        static bool IsSettingKey(string key) =>
            key.Length > 0 && char.IsAsciiLetter(key[0]) && !HelpWords.Contains(key, StringComparer.OrdinalIgnoreCase) &&
            key.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '.' or '-');
    }

    /// <summary>Runs a command; output that came from files or arguments is printed with control characters escaped.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        stdout = new PrintableWriter(stdout);
        stderr = new PrintableWriter(stderr);
        // `jitbot help` and `jitbot policy help` ask for help as people type it.
        if (args.Length > 0 && args[^1] == "help" && args[..^1].All(a => a is "policy" or "validate" or "test" or "explain" or "replay" or "audit" or "verify" or "export"))
            args = [.. args[..^1], "--help"];
        try
        {
            // No response files: "@payments-oncall" is a group handle, not a file to read arguments from.
            var parsed = Build(stdout, stderr).Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (parsed.Errors.Count > 0) return ParseErrors(parsed, stderr);
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return PolicyCli.Failed;
        }
        finally
        {
            stdout.Flush();
            stderr.Flush();
        }
    }

    static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var validateFolder = Folder();
        var validate = new Command("validate", "Check every policy file and print each problem as file:line:col: code: message. Exit 0 when valid, 1 when not.")
        {
            validateFolder,
        };
        validate.SetAction(r => PolicyCli.Validate(r.GetRequiredValue(validateFolder), stdout, stderr));

        var testFolder = Folder();
        var test = new Command("test", "Run the policy tests (*.test.yaml files beside the policy) and print ok or FAIL for each case. Exit 0 when all pass.")
        {
            testFolder,
        };
        test.SetAction(r => PolicyCli.Test(r.GetRequiredValue(testFolder), stdout, stderr));

        var explainFolder = Folder();
        var user = new Option<string>("--user")
        {
            Description = "Who asks: a Slack user id (U…) or the name of a person listed under `people`.", HelpName = "U…|name", Required = true,
        };
        var resource = new Option<string>("--resource") { Description = "The resource id, as typed in /access.", HelpName = "id", Required = true };
        var groups = new Option<string[]>("--group")
        {
            Description = "A Slack user group the user is in: a declared handle (@…) or Slack id (S…). Repeat for several.", HelpName = "@handle|S…",
        };
        var duration = new Option<TimeSpan?>("--duration")
        {
            Description = "The duration asked for, like 30m, 2h or 1h30m. Default: the policy's.", HelpName = "2h", CustomParser = ParseDuration,
        };
        var reason = new Option<string>("--reason") { Description = "The reason given with the request.", HelpName = "text" };
        var channel = new Option<string>("--channel") { Description = "The channel the request is made from.", HelpName = "name" };
        var incident = new Option<bool>("--incident") { Description = "The request is made for an incident." };
        var incidentLabel = new Option<string>("--incident-label")
        {
            Description = "The label of the incident the request is made in, like INC-123 (implies --incident).", HelpName = "label",
        };
        var at = new Option<DateTimeOffset?>("--at")
        {
            Description = "When the request is made, like 2026-03-04T11:00:00Z. Default: now.", HelpName = "ISO time", CustomParser = ParseTime,
        };
        var explain = new Command("explain", "Decide one request and say why: the outcome, the rules, the approvers, the duration and any missing fields.")
        {
            explainFolder, user, resource, groups, duration, reason, channel, incident, incidentLabel, at,
        };
        explain.SetAction(r => PolicyCli.Explain(new ExplainArguments(
            r.GetRequiredValue(explainFolder), r.GetRequiredValue(user), r.GetRequiredValue(resource), r.GetValue(groups) ?? [],
            r.GetValue(duration), r.GetValue(reason), r.GetValue(channel), r.GetValue(incident), r.GetValue(at),
            r.GetValue(incidentLabel)), stdout, stderr));

        var diffOld = new Argument<string>("old") { Description = "The policy folder as it is (for example the main branch's)." };
        var diffNew = new Argument<string>("new") { Description = "The policy folder as proposed." };
        var diff = new Command("diff", "Who gains or loses access, approvers and maximum durations between two policy folders, as Markdown. Exit 0 no change, 1 changes, 2 a folder does not validate.")
        {
            diffOld, diffNew,
        };
        diff.SetAction(r => PolicyDiffCli.Diff(r.GetRequiredValue(diffOld), r.GetRequiredValue(diffNew), stdout, stderr));

        var policy = new Command("policy", "Check, test, explain and compare a policy folder, and replay recorded requests under it (see docs/policies.md).")
        {
            validate, test, explain, diff, PolicyReplayCli.Build(stdout, stderr),
        };
        policy.SetAction(_ => PolicyCli.UsageError(stderr, "", "Say what to check: `jitbot policy validate`, `test` or `explain`, with the policy folder."));
        // Named "jitbot" whatever the executable is called (dotnet run, a test host), so help and errors show the real command.
        return new Command("jitbot",
            "JitBot: just-in-time access from Slack. Without a command, or with only settings such as " +
            "--Policies:Path=/policies or --urls http://+:8080, it runs the bot (see the README for its settings). " +
            "`jitbot playground [--policies DIR]` runs it with a Slack of its own in a local web page (docs/playground.md).")
        {
            policy, AuditCli.Build(stdout, stderr), new HelpOption(), new VersionOption(),
            ReportCli.Command(stdout, stderr),
        };
    }

    static Argument<string> Folder() => new("folder") { Description = "The policy folder, for example examples/policies." };

    static TimeSpan? ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (DurationText.TryParse(text, out var parsed, out var error)) return parsed;
        result.AddError($"--duration: {error}");
        return null;
    }

    static DateTimeOffset? ParseTime(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when)) return when;
        result.AddError($"--at: \"{text}\" is not a date and time; write it like 2026-03-04T11:00:00Z.");
        return null;
    }

    /// <summary>Every parse error as "error: …", a suggestion for what looks like a typo, and where to find help.</summary>
    static int ParseErrors(ParseResult parsed, TextWriter stderr)
    {
        foreach (var error in parsed.Errors) stderr.WriteLine($"error: {error.Message}");
        var command = parsed.CommandResult.Command;
        var subcommands = command.Subcommands.Select(c => c.Name).ToArray();
        var options = command.Options.Where(o => !o.Hidden).Select(o => o.Name).Where(n => n.StartsWith("--", StringComparison.Ordinal)).ToArray();
        foreach (var token in parsed.UnmatchedTokens)
        {
            if (command.Name == "jitbot" && token is "validate" or "test" or "explain")
                stderr.WriteLine($"The policy tools are under `policy`: did you mean `jitbot policy {token}`?");
            else if (token.Length >= 3 && PolicyParser.Closest(token, token.StartsWith('-') ? options : subcommands) is { } closest)
                stderr.WriteLine($"Did you mean `{closest}` instead of `{token}`?");
        }
        var path = string.Join(' ', CommandPath(parsed.CommandResult));
        stderr.WriteLine($"Run `{path} --help` to see how to use it.");
        return PolicyCli.Usage;

        static IEnumerable<string> CommandPath(SymbolResult? result)
        {
            var names = new Stack<string>();
            for (; result is CommandResult c; result = c.Parent) names.Push(c.Command.Name);
            return names;
        }
    }
}
