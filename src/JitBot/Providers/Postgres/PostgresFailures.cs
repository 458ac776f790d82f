using System.Net.Sockets;
using Npgsql;

namespace JitBot.Providers.Postgres;

/// <summary>
/// Turns what Npgsql throws into a <see cref="ProviderResult"/> a person can act on. The server being
/// unreachable, slow or restarting is retryable; a missing role or a missing privilege is not (retrying
/// cannot help until someone changes the database or the policy).
/// </summary>
static class PostgresFailures
{
    /// <param name="connected">Whether the connection was open when it failed: a timeout then is the statement's, before it the connection's.</param>
    public static ProviderResult From(Exception e, PostgresSettings settings, string doing, bool connected) => e switch
    {
        PostgresException pg when pg.SqlState == PostgresErrorCodes.UndefinedObject =>
            ProviderResult.Failed($"PostgreSQL ({settings.Instance}) refused to {doing}: {pg.MessageText}. Create the role or fix the policy.", retryable: false),
        PostgresException pg when pg.SqlState == PostgresErrorCodes.InsufficientPrivilege =>
            ProviderResult.Failed($"JitBot's PostgreSQL user on {settings.Instance} may not {doing}: {pg.MessageText}. Give it CREATEROLE and ADMIN OPTION on the role (see docs/providers.md).", retryable: false),
        PostgresException pg when pg.SqlState == PostgresErrorCodes.QueryCanceled =>
            ProviderResult.Failed($"PostgreSQL ({settings.Instance}) did not {doing} within {settings.CommandTimeout.TotalSeconds:0} seconds; JitBot will try again."),
        PostgresException pg when IsTransient(pg) =>
            ProviderResult.Failed($"PostgreSQL ({settings.Instance}) could not {doing} just now ({pg.SqlState}: {pg.MessageText}); JitBot will try again."),
        PostgresException pg =>
            ProviderResult.Failed($"PostgreSQL ({settings.Instance}) refused to {doing} ({pg.SqlState}: {pg.MessageText}).", retryable: false),
        NpgsqlException { InnerException: TimeoutException } or TimeoutException when connected =>
            ProviderResult.Failed($"PostgreSQL ({settings.Instance}) did not {doing} within {settings.CommandTimeout.TotalSeconds:0} seconds; JitBot will try again."),
        NpgsqlException { InnerException: TimeoutException } or TimeoutException =>
            ProviderResult.Failed($"PostgreSQL ({settings.Instance} at {settings.Where()}) did not answer within {settings.Timeout.TotalSeconds:0} seconds; JitBot will try again."),
        NpgsqlException or SocketException or IOException =>
            ProviderResult.Failed($"Could not reach PostgreSQL ({settings.Instance} at {settings.Where()}) to {doing}; JitBot will try again."),
        _ => ProviderResult.Failed($"The postgres provider ({settings.Instance}) failed to {doing} ({e.GetType().Name}); the JitBot operators can find the details in its log."),
    };

    static bool IsTransient(PostgresException pg) =>
        pg.IsTransient
        || pg.SqlState.StartsWith("08", StringComparison.Ordinal)   // connection exceptions
        || pg.SqlState.StartsWith("53", StringComparison.Ordinal)   // insufficient resources
        || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)  // shutting down, cannot connect now
        || pg.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
            or PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DuplicateObject;
}
