using JitBot.Incidents;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// Plays the incident lifecycle's side of <see cref="IIncidentChannelEvents"/>: remembers every archived channel it
/// was told about. While <see cref="Hold"/> is set, each call waits for it to be released (to show the
/// acknowledgement does not wait for the work).
/// </summary>
public sealed class RecordingChannelEvents : IIncidentChannelEvents
{
    readonly List<(string Channel, string? ArchivedBy, DateTimeOffset At)> archived = [];

    public TaskCompletionSource? Hold { get; set; }

    public IReadOnlyList<(string Channel, string? ArchivedBy, DateTimeOffset At)> Archived
    {
        get { lock (archived) return archived.ToList(); }
    }

    public async Task ChannelArchivedAsync(string channelId, string? archivedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        lock (archived) archived.Add((channelId, archivedBy, at));
        if (Hold is { } hold) await hold.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits (polling) until <paramref name="count"/> archives were heard; fails after 20 seconds.</summary>
    public async Task WaitForAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Archived.Count < count)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"The incident lifecycle heard {Archived.Count} archive(s), not {count}.");
            await Task.Delay(25);
        }
    }
}
