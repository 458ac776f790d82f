using System.Text;
using JitBot.Common;

namespace JitBot.Providers.Postgres;

/// <summary>
/// Quoting for the parts of PostgreSQL statements that cannot be bound as parameters: role statements
/// (<c>GRANT</c>, <c>CREATE ROLE</c>, …) take no parameters, so role names go in as quoted identifiers and the
/// few literals JitBot itself makes (a password verifier, a timestamp) as quoted literals.
/// </summary>
public static class PostgresSql
{
    /// <summary>PostgreSQL keeps at most this many bytes of a name and silently cuts the rest.</summary>
    public const int MaxNameBytes = 63;

    /// <summary>
    /// Why a name cannot be a PostgreSQL role name, or null when it can. A name longer than
    /// <see cref="MaxNameBytes"/> is refused because PostgreSQL would cut it and could then name another role.
    /// </summary>
    public static string? NameProblem(string name)
    {
        if (name.Length == 0) return "is empty";
        if (name.Contains('\0')) return "contains a NUL character";
        if (Encoding.UTF8.GetByteCount(name) > MaxNameBytes) return $"is longer than {MaxNameBytes} bytes";
        return null;
    }

    /// <summary>
    /// A quoted identifier: the name between double quotes, each double quote doubled, so any text (quotes,
    /// spaces, <c>;</c>) stays one name. Throws for a name <see cref="NameProblem"/> refuses.
    /// </summary>
    public static string Identifier(string name)
    {
        if (NameProblem(name) is { } problem)
            throw new ArgumentException($"The role name {Shown(name)} {problem}.", nameof(name));
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>
    /// A quoted literal, as PostgreSQL's own <c>quote_literal</c> makes it: single quotes doubled, and where
    /// the text has a backslash, an <c>E'…'</c> literal with backslashes doubled, so the result means the same
    /// whatever <c>standard_conforming_strings</c> is.
    /// </summary>
    public static string Literal(string value)
    {
        if (value.Contains('\0')) throw new ArgumentException("A PostgreSQL literal cannot contain a NUL character.", nameof(value));
        var quoted = value.Replace("'", "''", StringComparison.Ordinal);
        return value.Contains('\\')
            ? "E'" + quoted.Replace("\\", "\\\\", StringComparison.Ordinal) + "'"
            : "'" + quoted + "'";
    }

    /// <summary>A name as it may appear in an error sentence: quoted, with control characters escaped.</summary>
    public static string Shown(string name) => "\"" + LogText.Safe(name) + "\"";
}
