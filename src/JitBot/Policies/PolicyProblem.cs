using JitBot.Common;

namespace JitBot.Policies;

public enum ProblemSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One thing wrong with a policy, at a place in a file. <see cref="File"/> is relative to the policy folder,
/// with '/' separators. Printed as <c>file:line:col: code: message</c>; a problem with a whole file or folder
/// (it cannot be read, it is too large) has no place (<see cref="Line"/> 0) and is printed as
/// <c>file: code: message</c>. Control characters are printed as escapes, so a file name or a quoted value
/// cannot steer a terminal or split a log line.
/// </summary>
public sealed record PolicyProblem(
    string File,
    int Line,
    int Column,
    string Code,
    string Message,
    ProblemSeverity Severity = ProblemSeverity.Error)
{
    public bool IsError => Severity == ProblemSeverity.Error;

    /// <summary>A problem with a whole file or folder, which has no line and column.</summary>
    public static PolicyProblem Whole(string file, string code, string message) => new(file, 0, 0, code, message);

    /// <summary><c>file:line:col: code: message</c>, with the file shown under <paramref name="folder"/> when given.</summary>
    public string Format(string? folder = null)
    {
        var file = string.IsNullOrEmpty(folder) ? File : File == "." ? folder : Path.Combine(folder, File).Replace('\\', '/');
        var message = Severity == ProblemSeverity.Warning ? "warning: " + Message : Message;
        var place = Line > 0 ? $"{file}:{Line}:{Column}" : file;
        return PrintableText.Escape($"{place}: {Code}: {message}");
    }

    public override string ToString() => Format();
}

/// <summary>
/// The result of loading a policy folder: a snapshot when the policy is valid (warnings allowed), and every
/// problem found either way.
/// </summary>
public sealed record PolicyLoadResult(PolicySnapshot? Snapshot, IReadOnlyList<PolicyProblem> Problems)
{
    public bool Succeeded => Snapshot is not null;

    /// <summary>
    /// True when a file (or the folder) could not be read or parsed: its problems come first, and the checks
    /// across files (ids, references to teams and groups, rules that match nothing) run once it can be.
    /// </summary>
    public bool PartlyRead { get; init; }
    public IEnumerable<PolicyProblem> Errors => Problems.Where(p => p.IsError);
}
