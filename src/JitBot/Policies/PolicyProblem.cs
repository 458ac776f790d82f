namespace JitBot.Policies;

public enum ProblemSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One thing wrong with a policy, at a place in a file. <see cref="File"/> is relative to the policy folder,
/// with '/' separators. Printed as <c>file:line:col: code: message</c>.
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

    /// <summary><c>file:line:col: code: message</c>, with the file shown under <paramref name="folder"/> when given.</summary>
    public string Format(string? folder = null)
    {
        var file = string.IsNullOrEmpty(folder) ? File : File == "." ? folder : Path.Combine(folder, File).Replace('\\', '/');
        var message = Severity == ProblemSeverity.Warning ? "warning: " + Message : Message;
        return $"{file}:{Line}:{Column}: {Code}: {message}";
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
    public IEnumerable<PolicyProblem> Errors => Problems.Where(p => p.IsError);
}
