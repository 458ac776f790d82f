using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Tests.Requests;

public sealed class NoticeRoutesTests
{
    [Fact]
    public void EveryNotificationKind_HasADeliverer()
    {
        var missing = Enum.GetValues<NotificationKind>().Where(kind => !NoticeRoutes.All.ContainsKey(kind)).ToList();

        Assert.True(missing.Count == 0, $"No deliverer in NoticeRoutes.All for: {string.Join(", ", missing)}");
        Assert.All(Enum.GetValues<NotificationKind>(), kind => Assert.NotNull(NoticeRoutes.For(kind).Deliver));
    }

    [Fact]
    public void OnlyNoticesAboutARequestsState_RefreshAppHome()
    {
        NotificationKind[] notAboutARequest =
        [
            NotificationKind.LateAnswer, NotificationKind.IncidentDigest, NotificationKind.AuditAnchor, NotificationKind.PolicyAnnouncement,
        ];

        foreach (var kind in Enum.GetValues<NotificationKind>())
            Assert.True(NoticeRoutes.For(kind).RefreshesAppHome != notAboutARequest.Contains(kind), $"{kind} refreshes App Home: {NoticeRoutes.For(kind).RefreshesAppHome}");
    }

    [Fact]
    public void AKindWithoutARoute_IsRefused()
    {
        var unknown = (NotificationKind)int.MaxValue;

        var e = Assert.Throws<InvalidOperationException>(() => NoticeRoutes.For(unknown));
        Assert.Contains("Unknown notification kind", e.Message);
    }
}
