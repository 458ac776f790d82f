using JitBot.Slack.Api;

namespace JitBot.SlackApp;

/// <summary>
/// Who in the workspace is a person, read in bulk with <c>users.list</c> (<see cref="PageSize"/> users a page, at
/// most <see cref="MaxPages"/> pages) and kept for <see cref="SlackChannelMembers.CacheFor"/>. One load at a time:
/// callers that ask while a load runs wait for that load (each may stop waiting when its own token is cancelled;
/// the load goes on for the others). A load that fails is not kept; the next caller starts a new one. A user the
/// snapshot does not hold (joined since, or past <see cref="MaxPages"/>) is unknown here, not "not a person".
/// </summary>
public sealed class SlackWorkspacePeople(ISlackApiClient slack, TimeProvider time)
{
    /// <summary>Users asked for per page: the most Slack accepts, as <c>users.list</c> is rate tier 2 (about 20 calls a minute).</summary>
    public const int PageSize = 1000;

    /// <summary>Pages read at most per load (25,000 users); the users of a larger workspace past them are asked one by one.</summary>
    public const int MaxPages = 25;

    readonly Lock gate = new();
    Snapshot? current;
    Task? loading;

    sealed record Snapshot(DateTimeOffset At, Dictionary<string, bool> People);

    /// <summary>Whether a snapshot younger than <see cref="SlackChannelMembers.CacheFor"/> is at hand.</summary>
    public bool IsFresh => Fresh(Volatile.Read(ref current)) is not null;

    /// <summary>What the fresh snapshot says of <paramref name="userId"/>: a person or not, or null when it does not say.</summary>
    public bool? Answer(string userId) =>
        Fresh(Volatile.Read(ref current)) is { } snapshot && snapshot.People.TryGetValue(userId, out var person) ? person : null;

    /// <summary>Loads a snapshot unless a fresh one is at hand, joining the load already running if there is one; throws <see cref="SlackApiException"/> when Slack cannot answer.</summary>
    public Task LoadAsync(CancellationToken cancellationToken)
    {
        Task task;
        lock (gate)
        {
            if (Fresh(current) is not null) return Task.CompletedTask;
            task = loading ??= Task.Run(ReadAllAsync, CancellationToken.None);
        }
        return task.WaitAsync(cancellationToken);
    }

    Snapshot? Fresh(Snapshot? snapshot)
    {
        var now = time.GetUtcNow();
        return snapshot is not null && now >= snapshot.At && now - snapshot.At < SlackChannelMembers.CacheFor ? snapshot : null;
    }

    async Task ReadAllAsync()
    {
        try
        {
            var at = time.GetUtcNow();
            var people = new Dictionary<string, bool>(StringComparer.Ordinal);
            var cursors = new HashSet<string>(StringComparer.Ordinal);
            string? cursor = null;
            for (var pages = 0; pages < MaxPages; pages++)
            {
                var page = await slack.Users.ListAsync(cursor, PageSize, CancellationToken.None);
                foreach (var user in page.Members) people[user.Id] = SlackChannelMembers.IsPerson(user);
                if (page.NextCursor is null) break;
                if (!cursors.Add(page.NextCursor)) throw new SlackApiException("users.list", "invalid_response", ["next_cursor repeated"]);
                cursor = page.NextCursor;
            }
            lock (gate) current = new Snapshot(at, people);
        }
        finally
        {
            lock (gate) loading = null;
        }
    }
}
