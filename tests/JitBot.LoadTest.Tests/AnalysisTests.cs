using JitBot.LoadTest.Analysis;

namespace JitBot.LoadTest.Tests;

public class AnalysisTests
{
    [Fact]
    public void The_backlog_holds_each_command_from_due_until_its_first_notice()
    {
        NoticeBacklog.Command[] commands = [new(0, 500), new(1_000, 3_500), new(2_000, 2_500), new(2_500, null)];

        var samples = NoticeBacklog.Timeline(commands, endMs: 4_000);

        Assert.Equal([0L, 1_000, 2_000, 3_000, 4_000], samples.Select(s => s.AtMs));
        Assert.Equal([1, 1, 2, 2, 1], samples.Select(s => s.Depth));
        Assert.Equal([0.0, 0, 1_000, 2_000, 1_500], samples.Select(s => s.OldestAgeMs));
    }

    [Fact]
    public void Expiry_notices_are_matched_to_grants_by_requester_and_resource_in_order()
    {
        GrantTime[] grants = [new("U1", "r1", 2_000, 2_100), new("U1", "r1", 1_000, 1_100), new("U2", "r1", 1_000, 1_050)];
        Call[] notices =
        [
            new(3_000, "chat.postMessage", 200, "U1", ":lock: Your access to `r1` expired at x."),
            new(1_500, "chat.postMessage", 200, "U1", ":lock: Your access to `r1` expired at x."),
            new(1_200, "chat.postMessage", 200, "U3", ":lock: Your access to `r1` expired at x."),
        ];

        var matched = NoticeLateness.Match(grants, notices);

        Assert.Equal([(1_000L, 1_500L), (2_000L, 3_000L)], matched.Select(m => (m.Grant.ExpiresMs, m.ArrivedMs)));
        Assert.All(matched, m => Assert.Equal("U1", m.Grant.User));
    }
}
