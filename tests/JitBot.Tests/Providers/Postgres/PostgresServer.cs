using JitBot.TestSupport.Postgres;

namespace JitBot.Tests.Providers.Postgres;

/// <summary>A fresh PostgreSQL database for one test class (see <see cref="PostgresTestDatabase"/>).</summary>
public sealed class PostgresServer : PostgresTestDatabase, IAsyncLifetime;
