using JitBot.Incidents;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JitBot.Tests.Incidents;

/// <summary>
/// The channel check of the incident sweep: an incident whose channel Slack reports archived ends (its grants
/// revoked); Slack errors never end one and are logged once; channel_not_found ends one only after the channel was seen.
/// </summary>
public sealed class IncidentArchiveCheckTests : IAsyncLifetime
{
    const string Channel = "C0INCIDENT";
    CoreHarness h = null!;
    readonly ScriptedChannels slack = new();
    readonly RecordingLogger<IncidentArchiveCheck> log = new();
    static CancellationToken Ct => CoreHarness.Ct;

    public Task InitializeAsync()
    {
        h = new CoreHarness();
        h.Policy.AutoApprove("k8s-prod", TimeSpan.FromHours(2));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    IncidentArchiveCheck Check(int minutes = 5, IIncidentChannelStatus? channels = null) =>
        new(h.Store, h.IncidentEnder, Options.Create(new IncidentsOptions { ArchiveCheckMinutes = minutes }), h.Time, log, channels ?? slack);

    async Task<Incident> StartWithGrantAsync()
    {
        var incident = (await h.Incidents.StartAsync(Channel, "inc-77", "U0ANA", "INC-77", null, Ct)).Incident;
        await (await h.Requests.SubmitAsync(new JitBot.Requests.NewAccessRequest("U0BEN", "k8s-prod", null, "INC-77 nodes", Channel, "inc-77"), Ct)).FinishedAsync();
        Assert.Single(h.Provider.Granted);
        return incident;
    }

    async Task<IncidentState> StateAsync(Incident incident) => (await h.Store.FindIncidentAsync(incident.Id, Ct))!.State;

    [Fact]
    public async Task ArchivedChannel_EndsTheIncident_AndRevokes_OnlyWhenTheCheckIsDue()
    {
        var incident = await StartWithGrantAsync();
        var check = Check();

        Assert.Equal(0, await check.RunIfDueAsync(Ct)); // open channel
        slack.Answer = new ChannelStatusAnswer(ChannelStatus.Archived);
        h.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await check.RunIfDueAsync(Ct)); // not due yet: Slack is not asked
        Assert.Equal(1, slack.Asked);
        h.Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1, await check.RunIfDueAsync(Ct));

        Assert.Equal(IncidentState.Ended, await StateAsync(incident));
        Assert.Equal(IncidentEndReasons.ChannelArchived, (await h.Store.FindIncidentAsync(incident.Id, Ct))!.EndReason);
        Assert.Empty(h.Provider.Granted);
        Assert.Contains("archived, but no archive event was handled", log.All);
    }

    [Fact]
    public async Task SlackErrors_NeverEndAnIncident_AndAreLoggedOnce()
    {
        var incident = await StartWithGrantAsync();
        var check = Check();
        slack.Answer = new ChannelStatusAnswer(ChannelStatus.Unknown, "ratelimited");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, await check.RunIfDueAsync(Ct));
            h.Time.Advance(TimeSpan.FromMinutes(5));
        }

        Assert.Equal(3, slack.Asked);
        Assert.Equal(IncidentState.Open, await StateAsync(incident));
        Assert.Single(h.Provider.Granted);
        Assert.Single(log.At(LogLevel.Warning), l => l.Contains("ratelimited", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ChannelNotFound_EndsTheIncidentAsDeleted_OnlyAfterTheChannelWasSeen()
    {
        var incident = await StartWithGrantAsync();
        var check = Check();
        slack.Answer = new ChannelStatusAnswer(ChannelStatus.NotFound, "channel_not_found");

        Assert.Equal(0, await check.RunIfDueAsync(Ct)); // never seen: perhaps a private channel JitBot is not in
        Assert.Equal(IncidentState.Open, await StateAsync(incident));
        Assert.Contains("private channel JitBot was not invited to", log.All);

        slack.Answer = new ChannelStatusAnswer(ChannelStatus.Active);
        h.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, await check.RunIfDueAsync(Ct));
        slack.Answer = new ChannelStatusAnswer(ChannelStatus.NotFound, "channel_not_found");
        h.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(1, await check.RunIfDueAsync(Ct));
        var ended = (await h.Store.FindIncidentAsync(incident.Id, Ct))!;
        Assert.Equal((IncidentState.Ended, IncidentEndReasons.ChannelDeleted), (ended.State, ended.EndReason));
        Assert.Empty(h.Provider.Granted);
    }

    [Fact]
    public async Task Off_OrWithoutSlack_NothingIsAsked()
    {
        await StartWithGrantAsync();

        Assert.Equal(0, await Check(minutes: 0).RunIfDueAsync(Ct));
        Assert.Equal(0, slack.Asked);
        var withoutSlack = new IncidentArchiveCheck(h.Store, h.IncidentEnder, Options.Create(new IncidentsOptions()), h.Time, log);
        Assert.Equal(0, await withoutSlack.RunIfDueAsync(Ct));
    }

    /// <summary>Answers every channel with <see cref="Answer"/> and counts the questions.</summary>
    sealed class ScriptedChannels : IIncidentChannelStatus
    {
        public ChannelStatusAnswer Answer { get; set; } = new(ChannelStatus.Active);
        public int Asked { get; private set; }

        public Task<ChannelStatusAnswer> StatusAsync(string channelId, CancellationToken cancellationToken)
        {
            Asked++;
            return Task.FromResult(Answer);
        }
    }
}
