using JitBot.Requests;
using JitBot.Storage;
using JitBot.Storage.LiteDb;
using LiteDB;
using MsFakeTime = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace JitBot.Tests.Storage;

/// <summary>LiteDB's migration 9: notices queued before the claim order knew about ended access are given it.</summary>
public sealed class LiteDbOutboxOrderMigrationTests : IAsyncLifetime
{
    readonly LiteDbTestDatabase _database = new();
    readonly MsFakeTime _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    static CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _database.DisposeAsync();

    LiteDbAccessStore Open() => new(_database.FilePath, new OutboxSignal(), _time);

    [Fact]
    public async Task NoticesQueuedBeforeMigration9_PutTheirLanesWithEndedAccessFirst()
    {
        using (var store = Open())
        {
            await store.EnqueueNoticeAsync(NotificationKind.LateAnswer, new RequestId("answer_old"), "answer:answer_old", "{}", _time.GetUtcNow(), Ct);
            _time.Advance(TimeSpan.FromSeconds(1));
            await store.EnqueueNoticeAsync(NotificationKind.GrantStarted, new RequestId("req_migr_start1"), "@U0PERSON", "", _time.GetUtcNow(), Ct);
            _time.Advance(TimeSpan.FromSeconds(1));
            await store.EnqueueNoticeAsync(NotificationKind.GrantEnded, new RequestId("req_migr_ended1"), "@U0PERSON", "", _time.GetUtcNow(), Ct);
        }
        // As a database written before migration 9: no ended_order nor ended_head_due, and the migration not applied.
        _database.AsBeforeOutboxMigration(9, "ended_order", "ended_head_due");

        using var reopened = Open();
        var first = Assert.Single(await reopened.ClaimNotificationsAsync("me", _time.GetUtcNow(), TimeSpan.FromMinutes(2), 1, Ct));
        Assert.Equal("req_migr_start1", first.RequestId.Value); // the person's lane, in its order
        Assert.True(await reopened.MarkDeliveredAsync(first.Id, "me", _time.GetUtcNow(), Ct));
        Assert.Equal("req_migr_ended1", Assert.Single(await reopened.ClaimNotificationsAsync("me", _time.GetUtcNow(), TimeSpan.FromMinutes(2), 1, Ct)).RequestId.Value);
        Assert.Equal("answer_old", Assert.Single(await reopened.ClaimNotificationsAsync("me", _time.GetUtcNow(), TimeSpan.FromMinutes(2), 1, Ct)).RequestId.Value);
        Assert.Equal(LiteDbMigrations.All.Max(m => m.Version), await reopened.SchemaVersionAsync(Ct));
    }
}
