using JitBot.Incidents;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.SlackApp;

namespace JitBot.Tests.Slack;

/// <summary>What incidents say in Slack: the digest, the announcement of a request, the channel-wide report, within Slack's limits and escaped.</summary>
public class IncidentMessagesTests
{
    static readonly DateTimeOffset Now = Samples.Now;

    static Incident Ended(string? label = "INC-77") => new(new IncidentId("inc_0000000000aa"), label, "C0INC", "inc-77", "U0STARTER",
        Now.AddHours(-2), Now.AddHours(6), IncidentState.Ended, Now, "U0ENDER", IncidentEndReasons.Command);

    static AccessRequest Request(RequestState state, string reason = "INC-77 payouts stuck") =>
        Samples.Request(state, Samples.Decision(DecisionOutcome.AutoApproved)) with { Reason = reason, IncidentId = new IncidentId("inc_0000000000aa"), ChannelId = "C0INC" };

    [Fact]
    public void Digest_SaysWhoHeldWhatFromWhenToWhen_HowApproved_AndEscapesUserText()
    {
        var held = Request(RequestState.Granted, "<!channel> *urgent* <@U0EVIL>");
        var grant = new Grant(new GrantId("grt_0000000000bb"), held.Id, held.RequesterId, held.ResourceId, Now.AddHours(-1), Now.AddHours(1), GrantState.Expired, Now);
        var denied = Request(RequestState.Denied) with { Id = new RequestId("req_0000000000cc") };

        var lines = IncidentDigestPoster.Lines(Ended(), [held, denied], new Dictionary<RequestId, Grant> { [held.Id] = grant }, Now);

        Assert.StartsWith(":memo: *Incident INC-77 ended* (`inc_0000000000aa`) in <#C0INC>", lines[0]);
        Assert.Contains("by <@U0ENDER> (ended with /access incident end)", lines[0]);
        Assert.Contains("1 grant(s), 1 request(s) not granted", lines[0]);
        Assert.Contains($"granted <!date^{Now.AddHours(-1).ToUnixTimeSeconds()}^", lines[1]);
        Assert.Contains($"granted <!date^{Now.AddHours(-1).ToUnixTimeSeconds()}^{{date_short_pretty}} at {{time}}|{Now.AddHours(-1).UtcDateTime:yyyy-MM-dd HH:mm} UTC> (1 hour ago)", lines[1]);
        Assert.Contains($"ended <!date^{Now.ToUnixTimeSeconds()}^", lines[1]);
        Assert.Contains($"(request `{held.Id.Short}`, grant `{grant.Id.Short}`)", lines[1]);
        Assert.Contains($"(request `{denied.Id.Short}`)", lines[2]);
        Assert.DoesNotContain(held.Id.Value, lines[1]);
        Assert.Contains("approved by policy", lines[1]);
        Assert.Contains("&lt;!channel&gt;", lines[1]);
        Assert.DoesNotContain("<!channel>", lines[1]);
        Assert.DoesNotContain("<@U0EVIL>", lines[1]);
        Assert.Contains("denied by the policy", lines[2]);
    }

    [Fact]
    public void Digest_SaysWhichGrantsWereChannelWide_AndByWhom_Escaped()
    {
        var mine = Request(RequestState.Granted);
        var theirs = Request(RequestState.Granted) with { Id = new RequestId("req_0000000000cc") };
        var forged = Request(RequestState.Granted) with { Id = new RequestId("req_0000000000dd") };
        Grant GrantOf(AccessRequest r, string id) => new(new GrantId(id), r.Id, r.RequesterId, r.ResourceId, Now.AddHours(-1), Now.AddHours(1), GrantState.Expired, Now);
        var grants = new Dictionary<RequestId, Grant>
        {
            [mine.Id] = GrantOf(mine, "grt_0000000000b1"), [theirs.Id] = GrantOf(theirs, "grt_0000000000b2"), [forged.Id] = GrantOf(forged, "grt_0000000000b3"),
        };
        var channelWide = new Dictionary<RequestId, string> { [theirs.Id] = "U0CALLER", [forged.Id] = "<!here>" };

        var lines = IncidentDigestPoster.Lines(Ended(), [mine, theirs, forged], grants, Now, channelWide);

        Assert.DoesNotContain("channel-wide", lines[1]);
        Assert.Contains("granted channel-wide by <@U0CALLER>, approved by policy", lines[2]);
        Assert.Contains("granted channel-wide by someone in the channel", lines[3]);
        Assert.DoesNotContain("<!here>", string.Join("\n", lines));
    }

    [Fact]
    public void Announcement_FollowsTheRequest_FromWaitingToHoldingToHeld()
    {
        var request = Request(RequestState.Granted);
        var active = new Grant(new GrantId("grt_0000000000bb"), request.Id, request.RequesterId, request.ResourceId, Now, Now.AddHours(1), GrantState.Active, null);

        Assert.Contains($"holds `{request.ResourceId}` until <!date^{Now.AddHours(1).ToUnixTimeSeconds()}^", IncidentAnnouncements.Status(request, active, Now));
        Assert.EndsWith("(in 1 hour), approved by policy. (grant `000000`)", IncidentAnnouncements.Status(request, active, Now));
        Assert.Contains("held `", IncidentAnnouncements.Status(request, active with { State = GrantState.Expired, EndedAt = Now.AddMinutes(5) }, Now.AddMinutes(5)));
        Assert.Contains("closed when the incident ended", IncidentAnnouncements.Status(request with { State = RequestState.Rejected, DecidedBy = RequestService.SystemActor }, null, Now));
        var pending = request with { State = RequestState.Pending, Decision = Samples.Decision(DecisionOutcome.ApprovalRequired, Samples.Plan()) };
        Assert.Contains("waiting for approval from", IncidentAnnouncements.Status(pending, null, Now));
        Assert.EndsWith($"(request `{pending.Id.Short}`)", IncidentAnnouncements.Status(pending, null, Now));
    }

    [Fact]
    public void LongLists_AreSplitWithinSlacksLimits_AndLoseNoLine()
    {
        var results = Enumerable.Range(0, 5000).Select(i => new MemberGrant($"U{i:D8}", null, "denied by some-rule")).ToList();

        var messages = ChannelGrantReport.Messages("U0CALLER", "k8s-prod", results, Now);

        Assert.All(messages, m => Assert.InRange(m.Count, 1, MessageSections.SectionsPerMessage));
        Assert.All(messages.SelectMany(m => m), s => Assert.True(s.Length <= MessageSections.SectionChars));
        var lines = messages.SelectMany(m => m).SelectMany(s => s.Split('\n')).ToList();
        Assert.Equal(5001, lines.Count);
        Assert.Contains("0 of 5000 members got it, 5000 did not", lines[0]);
    }
}
