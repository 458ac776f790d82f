using System.Diagnostics.Metrics;
using JitBot.Common;
using JitBot.Requests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JitBot.Grants;

/// <summary>
/// How late grants end: <c>ended_at − expires_at</c> of every grant the revoker ends, recorded in the histogram
/// <c>jitbot.revocation.lateness</c> (seconds) on the JitBot meter. When a grant ends later than
/// <see cref="GrantsOptions.RevokeLateWarnSeconds"/>, a warning is logged — at most one line per
/// <see cref="WarnEvery"/>, counting the late grants since the last line and naming the latest of them — so a
/// revocation backlog is visible without flooding the log.
/// </summary>
public sealed class RevocationLateness
{
    /// <summary>At most one lateness warning per this interval (by <see cref="TimeProvider"/>).</summary>
    public static readonly TimeSpan WarnEvery = TimeSpan.FromMinutes(1);

    public const string InstrumentName = "jitbot.revocation.lateness";

    readonly Histogram<double> _lateness;
    readonly IOptions<GrantsOptions> _options;
    readonly TimeProvider _time;
    readonly ILogger<RevocationLateness> _logger;
    readonly Lock _gate = new();
    DateTimeOffset _nextWarning = DateTimeOffset.MinValue;
    int _lateSinceWarning;
    TimeSpan _worstSinceWarning;

    public RevocationLateness(JitBotMetrics metrics, IOptions<GrantsOptions> options, TimeProvider time, ILogger<RevocationLateness> logger)
    {
        _lateness = metrics.Meter.CreateHistogram(InstrumentName, "s",
            "How long after its expiry each grant was ended (ended_at - expires_at).", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600] });
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Records one grant that expired at <paramref name="expiresAt"/> and was ended at <paramref name="endedAt"/>.</summary>
    public void Record(GrantId id, DateTimeOffset expiresAt, DateTimeOffset endedAt)
    {
        var late = endedAt - expiresAt;
        _lateness.Record(late.TotalSeconds);
        var threshold = TimeSpan.FromSeconds(_options.Value.RevokeLateWarnSeconds);
        if (threshold <= TimeSpan.Zero || late <= threshold) return;

        int count;
        TimeSpan worst;
        lock (_gate)
        {
            _lateSinceWarning++;
            if (late > _worstSinceWarning) _worstSinceWarning = late;
            var now = _time.GetUtcNow();
            if (now < _nextWarning) return;
            _nextWarning = now + WarnEvery;
            (count, worst) = (_lateSinceWarning, _worstSinceWarning);
            (_lateSinceWarning, _worstSinceWarning) = (0, TimeSpan.Zero);
        }
        _logger.LogWarning(
            "Revocations are running late: {Count} grants ended more than {Threshold} s after their expiry since the last warning, the worst {Worst:F1} s late " +
            "(grant {GrantId} among them). Expiries are due faster than they are revoked, or providers are slow or failing.",
            count, threshold.TotalSeconds, worst.TotalSeconds, id);
    }
}
