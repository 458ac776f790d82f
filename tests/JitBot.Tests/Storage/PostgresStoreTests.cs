using JitBot.Storage;
using JitBot.Storage.Postgres;
using JitBot.TestSupport.Storage;
using MsFakeTime = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace JitBot.Tests.Storage;

public sealed class PostgresStoreContractTests : StoreContractTests
{
    protected override ITestDatabase CreateDatabase() => new PostgresTestDatabase();
}

public sealed class PostgresReplicaContractTests : ReplicaContractTests
{
    protected override ITestDatabase CreateDatabase() => new PostgresTestDatabase();
}
