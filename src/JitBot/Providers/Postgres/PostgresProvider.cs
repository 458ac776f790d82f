using System.Globalization;
using JitBot.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace JitBot.Providers.Postgres;

/// <summary>
/// Grants a PostgreSQL role for the length of a grant. <c>mode: membership</c> makes the person's own
/// database user a member of the role (<c>GRANT role TO user</c>, <c>REVOKE</c> at the end);
/// <c>mode: login</c> creates a login role of its own for the grant, <c>IN ROLE role</c>, valid until the
/// grant ends, with a random password handed to the requester, and at the end stops its logins, ends its
/// sessions and drops it. Role names go into statements only through <see cref="PostgresSql.Identifier"/>;
/// everything else is a bound parameter or a literal JitBot made.
/// </summary>
public sealed class PostgresProvider(PostgresSettings settings, TimeProvider time, ILogger<PostgresProvider> logger) : IAccessProvider, IDisposable
{
    readonly NpgsqlDataSource _db = NpgsqlDataSource.Create(settings.EffectiveConnectionString());

    public string Type => PostgresProviderType.TypeName;

    public void Dispose() => _db.Dispose();

    public Task<ProviderResult> GrantAsync(ProviderGrant grant, CancellationToken cancellationToken) =>
        OnConnectionAsync(grant, "grant", async (conn, access) =>
        {
            if (!await RoleExistsAsync(conn, access.Role, cancellationToken).ConfigureAwait(false))
                return ProviderResult.Failed($"The PostgreSQL role {PostgresSql.Shown(access.Role)} does not exist on {settings.Instance}, so {grant.Resource.Id} cannot be granted. Create the role, or fix the resource's role in the policy.", retryable: false);
            if (access.Login)
                return await CreateLoginAsync(conn, grant, access, cancellationToken).ConfigureAwait(false);
            if (!await RoleExistsAsync(conn, access.User, cancellationToken).ConfigureAwait(false))
                return ProviderResult.Failed($"The database user {PostgresSql.Shown(access.User)} for {grant.UserId} does not exist on {settings.Instance}. Create it, or fix the person's db_user tag in the policy.", retryable: false);
            await ExecuteAsync(conn, $"GRANT {PostgresSql.Identifier(access.Role)} TO {PostgresSql.Identifier(access.User)}", cancellationToken).ConfigureAwait(false);
            logger.LogInformation("PostgreSQL {Instance}: granted role {Role} to {User} for grant {GrantId}",
                settings.Instance, LogText.Safe(access.Role), LogText.Safe(access.User), grant.GrantId);
            return ProviderResult.Ok($"{access.User} is a member of {access.Role}");
        }, cancellationToken);

    public Task<ProviderResult> RevokeAsync(ProviderGrant grant, CancellationToken cancellationToken) =>
        OnConnectionAsync(grant, "revoke", async (conn, access) =>
        {
            if (access.Login)
                return await DropLoginsAsync(conn, grant, access, cancellationToken).ConfigureAwait(false);
            // A user or role that no longer exists holds no membership: the access is gone.
            if (!await IsMemberAsync(conn, access.Role, access.User, cancellationToken).ConfigureAwait(false))
                return ProviderResult.Ok($"{access.User} was not a member of {access.Role}");
            await ExecuteAsync(conn, $"REVOKE {PostgresSql.Identifier(access.Role)} FROM {PostgresSql.Identifier(access.User)}", cancellationToken).ConfigureAwait(false);
            logger.LogInformation("PostgreSQL {Instance}: revoked role {Role} from {User} for grant {GrantId}",
                settings.Instance, LogText.Safe(access.Role), LogText.Safe(access.User), grant.GrantId);
            return ProviderResult.Ok($"{access.User} is no longer a member of {access.Role}");
        }, cancellationToken);

    /// <summary>
    /// Works out the grant's role and user, opens a connection and runs <paramref name="action"/> on it; a problem
    /// with the grant or anything PostgreSQL throws becomes a failure that says what to do.
    /// </summary>
    async Task<ProviderResult> OnConnectionAsync(ProviderGrant grant, string verb,
        Func<NpgsqlConnection, PostgresAccess, Task<ProviderResult>> action, CancellationToken cancellationToken)
    {
        if (PostgresAccess.From(grant, settings) is not { } access) return Unusable(grant);
        if (access.Problem is { } problem) return ProviderResult.Failed(problem, retryable: false);
        var connected = false;
        try
        {
            await using var conn = await _db.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            connected = true;
            return await action(conn, access).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var result = PostgresFailures.From(e, settings, $"{verb} {PostgresSql.Shown(access.Role)}", connected);
            // The exception goes to the log for operators; Npgsql never puts the connection string's password in it.
            logger.LogWarning(e, "PostgreSQL {Instance}: {Error} (grant {GrantId})", settings.Instance, LogText.Safe(result.Error ?? ""), grant.GrantId);
            return result;
        }
    }

    public async Task<ProviderCheck> CheckAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        if (PostgresAccess.From(grant, settings) is not { Problem: null } access)
            return new ProviderCheck(ProviderState.Unknown, "The grant does not name a usable role and user.");
        var connected = false;
        try
        {
            await using var conn = await _db.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            connected = true;
            var member = access.Login ? EphemeralLogin.Name(grant) : access.User;
            var granted = await IsMemberAsync(conn, access.Role, member, cancellationToken).ConfigureAwait(false);
            if (granted && access.Login)
                granted = await CanLogInAsync(conn, member, cancellationToken).ConfigureAwait(false);
            return new ProviderCheck(granted ? ProviderState.Granted : ProviderState.NotGranted,
                granted ? $"{member} is a member of {access.Role}" : $"{member} is not a member of {access.Role}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "PostgreSQL {Instance}: could not check grant {GrantId}", settings.Instance, grant.GrantId);
            return new ProviderCheck(ProviderState.Unknown, PostgresFailures.From(e, settings, "check the grant", connected).Error);
        }
    }

    async Task<ProviderResult> CreateLoginAsync(NpgsqlConnection conn, ProviderGrant grant, PostgresAccess access, CancellationToken cancellationToken)
    {
        var name = EphemeralLogin.Name(grant);
        var password = EphemeralLogin.NewPassword();
        var options = $"LOGIN PASSWORD {PostgresSql.Literal(ScramVerifier.For(password))} VALID UNTIL {PostgresSql.Literal(grant.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff+00", CultureInfo.InvariantCulture))}";
        if (await RoleExistsAsync(conn, name, cancellationToken).ConfigureAwait(false))
        {
            // A grant carried out again (after a restart) gets a new password: the first one was never kept.
            await using var tx = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(conn, $"ALTER ROLE {PostgresSql.Identifier(name)} WITH {options}", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(conn, $"GRANT {PostgresSql.Identifier(access.Role)} TO {PostgresSql.Identifier(name)}", cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ExecuteAsync(conn, $"CREATE ROLE {PostgresSql.Identifier(name)} WITH {options} IN ROLE {PostgresSql.Identifier(access.Role)}", cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("PostgreSQL {Instance}: created login {Login} in role {Role} until {ExpiresAt:O} for grant {GrantId}",
            settings.Instance, name, LogText.Safe(access.Role), grant.ExpiresAt, grant.GrantId);
        var credential = new IssuedCredential($"PostgreSQL login {name}", password, grant.ExpiresAt,
            $"Log in to {settings.Instance} as user {name} with this password; it works until the grant ends, when the login and its sessions end.");
        return new ProviderResult(true, Detail: $"login {name} in {access.Role}", Credential: credential);
    }

    /// <summary>
    /// Ends this grant's login: no new logins, its sessions terminated, the role dropped. Logins of the same
    /// person in the same role whose time has run out go too (a grant covered by a longer one ends without
    /// its own revocation, so the longer one's end takes its login away).
    /// </summary>
    async Task<ProviderResult> DropLoginsAsync(NpgsqlConnection conn, ProviderGrant grant, PostgresAccess access, CancellationToken cancellationToken)
    {
        var names = new List<string> { EphemeralLogin.Name(grant) };
        await using (var cmd = new NpgsqlCommand(
            """
            SELECT u.rolname FROM pg_roles u
            JOIN pg_auth_members m ON m.member = u.oid JOIN pg_roles r ON r.oid = m.roleid
            WHERE r.rolname = $1 AND left(u.rolname, length($2)) = $2 AND u.rolvaliduntil <= $3
            """, conn))
        {
            cmd.Parameters.AddWithValue(access.Role);
            cmd.Parameters.AddWithValue(EphemeralLogin.Prefix(grant.UserId));
            cmd.Parameters.AddWithValue(time.GetUtcNow());
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                if (!names.Contains(reader.GetString(0))) names.Add(reader.GetString(0));
        }
        var dropped = new List<string>();
        foreach (var name in names)
        {
            if (!await RoleExistsAsync(conn, name, cancellationToken).ConfigureAwait(false)) continue;
            await ExecuteAsync(conn, $"ALTER ROLE {PostgresSql.Identifier(name)} WITH NOLOGIN", cancellationToken).ConfigureAwait(false);
            await using (var kill = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = $1", conn))
            {
                kill.Parameters.AddWithValue(name);
                await kill.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
            try
            {
                await ExecuteAsync(conn, $"DROP ROLE IF EXISTS {PostgresSql.Identifier(name)}", cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DependentObjectsStillExist)
            {
                // What the login made belongs to the role it acted as from now on; its own privileges go with it.
                // REASSIGN OWNED asks for membership in the login; JitBot's user may grant it to itself (CREATEROLE) and it goes with the role.
                await using var tx = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(conn, $"GRANT {PostgresSql.Identifier(name)} TO CURRENT_USER", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(conn, $"REASSIGN OWNED BY {PostgresSql.Identifier(name)} TO {PostgresSql.Identifier(access.Role)}", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(conn, $"DROP OWNED BY {PostgresSql.Identifier(name)}", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(conn, $"DROP ROLE {PostgresSql.Identifier(name)}", cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            dropped.Add(name);
            logger.LogInformation("PostgreSQL {Instance}: dropped login {Login} for grant {GrantId}", settings.Instance, name, grant.GrantId);
        }
        return ProviderResult.Ok(dropped.Count == 0 ? "no login to drop" : $"dropped {string.Join(", ", dropped)}");
    }

    static async Task<bool> RoleExistsAsync(NpgsqlConnection conn, string name, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = $1", conn);
        cmd.Parameters.AddWithValue(name);
        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    static async Task<bool> CanLogInAsync(NpgsqlConnection conn, string name, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", conn);
        cmd.Parameters.AddWithValue(name);
        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    static async Task<bool> IsMemberAsync(NpgsqlConnection conn, string role, string member, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT 1 FROM pg_auth_members m
            JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
            WHERE r.rolname = $1 AND u.rolname = $2
            """, conn);
        cmd.Parameters.AddWithValue(role);
        cmd.Parameters.AddWithValue(member);
        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    static async Task ExecuteAsync(NpgsqlConnection conn, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    static ProviderResult Unusable(ProviderGrant grant) => ProviderResult.Failed(
        $"Resource {grant.Resource.Id} uses the postgres provider without a role; add role: to its provider in the policy.", retryable: false);
}
