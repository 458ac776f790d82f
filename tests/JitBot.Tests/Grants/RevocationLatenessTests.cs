using JitBot.Grants;
using JitBot.Requests;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace JitBot.Tests.Grants;

public sealed class RevocationLatenessTests : StagingDbTests
{

    [Fact]
    public async Task EveryEndedGrant_IsMeasured_FromItsExpiry()
    {
        using var lateness = new MetricCollector<double>(h.Metrics.Meter, RevocationLateness.InstrumentName);
        var revoked = (await h.SubmitAsync("U0ALICE", "staging-db")).Grant!;
        h.Time.Advance(OneHour + TimeSpan.FromSeconds(12));

        Assert.Equal(RevokeResult.Revoked, await h.Revocations.RevokeAsync(revoked.Id, Ct));

        Assert.Equal(12.0, Assert.Single(lateness.GetMeasurementSnapshot()).Value);
    }

    [Fact]
    public async Task AGrantCoveredByALongerOne_IsMeasuredToo()
    {
        using var lateness = new MetricCollector<double>(h.Metrics.Meter, RevocationLateness.InstrumentName);
        var first = (await h.SubmitAsync("U0ALICE", "staging-db")).Grant!;
        h.Time.Advance(TimeSpan.FromMinutes(30));
        await h.SubmitAsync("U0ALICE", "staging-db");
        h.Time.Advance(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(2));

        Assert.Equal(RevokeResult.CoveredByLongerGrant, await h.Revocations.RevokeAsync(first.Id, Ct));

        Assert.Equal(2.0, Assert.Single(lateness.GetMeasurementSnapshot()).Value);
    }

    [Fact]
    public void LateGrants_AreWarnedAbout_AtMostOnceAMinute_WithHowManyAndHowLate()
    {
        var logger = new FakeLogger<RevocationLateness>();
        var options = Microsoft.Extensions.Options.Options.Create(new GrantsOptions { RevokeLateWarnSeconds = 5 });
        var lateness = new RevocationLateness(h.Metrics, options, h.Time, logger);
        var expiry = h.Time.GetUtcNow();

        lateness.Record(new GrantId("grt_ontime000001"), expiry, expiry + TimeSpan.FromSeconds(4)); // within the threshold
        Assert.Empty(logger.Collector.GetSnapshot());

        lateness.Record(new GrantId("grt_late00000001"), expiry, expiry + TimeSpan.FromSeconds(9));
        lateness.Record(new GrantId("grt_late00000002"), expiry, expiry + TimeSpan.FromSeconds(30));
        lateness.Record(new GrantId("grt_late00000003"), expiry, expiry + TimeSpan.FromSeconds(7));
        var first = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, first.Level);
        Assert.Contains("1 grants ended more than 5 s after their expiry", first.Message);

        h.Time.Advance(RevocationLateness.WarnEvery);
        lateness.Record(new GrantId("grt_late00000004"), expiry, expiry + TimeSpan.FromSeconds(8));

        var second = logger.Collector.GetSnapshot()[1];
        Assert.Contains("3 grants ended more than 5 s after their expiry", second.Message);
        Assert.Contains("the worst 30.0 s late", second.Message);
        Assert.Equal(2, logger.Collector.Count);
    }

    [Fact]
    public void AThresholdOfZero_TurnsTheWarningOff()
    {
        var logger = new FakeLogger<RevocationLateness>();
        var options = Microsoft.Extensions.Options.Options.Create(new GrantsOptions { RevokeLateWarnSeconds = 0 });
        var lateness = new RevocationLateness(h.Metrics, options, h.Time, logger);

        lateness.Record(new GrantId("grt_late00000001"), h.Time.GetUtcNow(), h.Time.GetUtcNow() + TimeSpan.FromMinutes(10));

        Assert.Empty(logger.Collector.GetSnapshot());
    }
}
