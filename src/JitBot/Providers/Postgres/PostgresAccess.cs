namespace JitBot.Providers.Postgres;

/// <summary>
/// What one grant asks of PostgreSQL: the role, the mode, and (in membership mode) the person's database
/// user — the person's <c>db_user</c> tag, or else the instance's <c>UserTemplate</c> filled with their Slack
/// id. <see cref="Problem"/> says, as a sentence, why the grant cannot be carried out.
/// </summary>
sealed record PostgresAccess(string Role, bool Login, string User, string? Problem)
{
    public const string RoleParameter = "role";
    public const string ModeParameter = "mode";
    public const string Membership = "membership";
    public const string LoginMode = "login";
    public const string DbUserTag = "db_user";

    /// <summary>null when the resource names no role at all.</summary>
    public static PostgresAccess? From(ProviderGrant grant, PostgresSettings settings)
    {
        if (!grant.Parameters.TryGetValue(RoleParameter, out var role) || string.IsNullOrEmpty(role)) return null;
        if (PostgresSql.NameProblem(role) is { } roleProblem)
            return new(role, false, "", $"The role {PostgresSql.Shown(role)} of {grant.Resource.Id} {roleProblem}; fix it in the policy.");
        var login = grant.Parameters.TryGetValue(ModeParameter, out var mode) && string.Equals(mode, LoginMode, StringComparison.OrdinalIgnoreCase);
        if (login) return new(role, true, "", null);

        var (user, problem) = UserFor(grant, settings);
        return new(role, false, user ?? "", problem);
    }

    static (string? User, string? Problem) UserFor(ProviderGrant grant, PostgresSettings settings)
    {
        string? user;
        if (grant.UserTags.TryGetValue(DbUserTag, out var tagged) && tagged.Count > 0)
        {
            if (tagged.Distinct(StringComparer.Ordinal).Count() > 1)
                return (null, $"{grant.UserId} has more than one {DbUserTag} tag ({string.Join(", ", tagged.Select(PostgresSql.Shown))}), so JitBot cannot tell which database user to grant {grant.Resource.Id} to. Keep one in the policy.");
            user = tagged[0];
        }
        else if (settings.UserTemplate is { } template)
        {
            user = template
                .Replace(PostgresSettings.SlackIdPlaceholder, grant.UserId, StringComparison.Ordinal)
                .Replace(PostgresSettings.SlackIdLowerPlaceholder, grant.UserId.ToLowerInvariant(), StringComparison.Ordinal);
        }
        else
        {
            return (null, $"JitBot does not know {grant.UserId}'s database user on {settings.Instance}: give them a {DbUserTag} tag in the policy, or set Providers:postgres:{settings.Instance}:{PostgresSettings.UserTemplateKey}.");
        }
        return PostgresSql.NameProblem(user) is { } problem
            ? (null, $"The database user {PostgresSql.Shown(user)} of {grant.UserId} {problem}; fix the {DbUserTag} tag or the {PostgresSettings.UserTemplateKey} setting.")
            : (user, null);
    }
}
