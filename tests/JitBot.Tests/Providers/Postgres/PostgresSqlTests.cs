using JitBot.Providers.Postgres;

namespace JitBot.Tests.Providers.Postgres;

/// <summary>JitBot's quoting against the server's own <c>quote_ident</c> and <c>quote_literal</c>.</summary>
public sealed class PostgresSqlTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    public static TheoryData<string> Texts => new()
    {
        "payments_readonly", "Mixed Case", "a\"b", "\"\"", "x; DROP ROLE y; --", "it's", "back\\slash", "back\\'both\"", "tab\there", "ünïcødé",
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public async Task IdentifierAndLiteral_ReadBackAsTheSameText_OnTheServer(string name)
    {
        server.Require();
        Assert.Equal(name, await server.ScalarAsync("SELECT (parse_ident($1))[1]", PostgresSql.Identifier(name)));
        Assert.Equal(name, await server.ScalarAsync($"SELECT {PostgresSql.Literal(name)}::text"));
        Assert.Equal(await server.ScalarAsync("SELECT quote_literal($1)", name), PostgresSql.Literal(name));
        Assert.Equal(1L, await server.ScalarAsync($"SELECT count(*) FROM (SELECT 1 AS {PostgresSql.Identifier(name)}) q WHERE q.{PostgresSql.Identifier(name)} = 1"));
    }

    [Fact]
    public void Identifier_DoublesDoubleQuotes_AndWrapsTheName()
    {
        Assert.Equal("\"a\"\"b; DROP ROLE x\"", PostgresSql.Identifier("a\"b; DROP ROLE x"));
    }

    [Fact]
    public void Identifier_RefusesNamesPostgresWouldCut_OrCannotHold()
    {
        Assert.Throws<ArgumentException>(() => PostgresSql.Identifier(new string('a', 64)));
        Assert.Throws<ArgumentException>(() => PostgresSql.Identifier(new string('é', 32)));
        Assert.Throws<ArgumentException>(() => PostgresSql.Identifier("a\0b"));
        Assert.Throws<ArgumentException>(() => PostgresSql.Identifier(""));
        Assert.Equal(65, PostgresSql.Identifier(new string('a', 63)).Length);
    }
}
