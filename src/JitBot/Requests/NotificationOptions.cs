namespace JitBot.Requests;

/// <summary>The <c>Notifications</c> settings: how notices are sent, and when a backlog is worth a warning.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>How many notices are sent at once, each in a lane of its own (1–64).</summary>
    public int Senders { get; set; } = 16;

    /// <summary>
    /// Whether several notices of one kind waiting together in one person's direct messages go out as one message
    /// (<see cref="NoticeGroups"/>). On by default; off sends each as a message of its own.
    /// </summary>
    public bool GroupNotices { get; set; } = true;

    /// <summary>Undelivered notices above which the backlog is logged as a warning.</summary>
    public int BacklogWarnCount { get; set; } = 1000;

    /// <summary>Age in seconds of the oldest undelivered notice above which the backlog is logged as a warning.</summary>
    public int BacklogWarnSeconds { get; set; } = 60;

    /// <summary>How often, in seconds, the backlog is measured; a warning is repeated at most once per this interval.</summary>
    public int BacklogCheckSeconds { get; set; } = 30;

    /// <summary>
    /// The settings as used: out-of-range values (refused at start-up by the host's validation, but possible
    /// where a test or tool builds the options itself) are brought into range.
    /// </summary>
    public NotificationOptions Checked() => new()
    {
        Senders = Math.Clamp(Senders, 1, 64),
        GroupNotices = GroupNotices,
        BacklogWarnCount = Math.Max(1, BacklogWarnCount),
        BacklogWarnSeconds = Math.Max(1, BacklogWarnSeconds),
        BacklogCheckSeconds = Math.Clamp(BacklogCheckSeconds, 1, 3600),
    };
}

/// <summary>
/// Thrown by a notifier that cannot send now without waiting (Slack asked it to slow down in that channel): the
/// notice is tried again at <see cref="RetryAt"/>, without counting as a failed attempt, and the sender moves on
/// to other lanes meanwhile. Anything the notifier already sent is remembered, so the retry continues where it
/// stopped.
/// </summary>
public sealed class NoticeDeferredException(DateTimeOffset retryAt, string reason) : Exception(reason)
{
    public DateTimeOffset RetryAt { get; } = retryAt;
}

/// <summary>
/// Sends a late answer (<see cref="Storage.NotificationKind.LateAnswer"/>); the payload is what the Slack app
/// queued, opaque to the lifecycle. Throws to be tried again (as every notice is); returns when it was sent or
/// there is nothing left to try.
/// </summary>
public interface ILateAnswers
{
    Task SendAsync(string payload, DateTimeOffset queuedAt, CancellationToken cancellationToken);
}
