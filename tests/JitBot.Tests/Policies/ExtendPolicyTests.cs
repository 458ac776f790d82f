using JitBot.Policies;

namespace JitBot.Tests.Policies;

/// <summary>A resource's <c>extend:</c> and <c>expiry_warning:</c> keys: read, carried into decisions, and refused with their place.</summary>
public class ExtendPolicyTests
{
    const string Allow = "rules:\n  - {id: r, effect: allow, when: {resource: {env: dev}}, duration: {max: 4h}, auto_approve: true}\n";

    static PolicyLoadResult Load(string resourceKeys)
    {
        var catalog = Policy.Catalog.Replace("{id: payments-dev, description: Payments dev, tags: {env: dev, owner-team: payments}}",
            "{id: payments-dev, description: Payments dev, tags: {env: dev, owner-team: payments}" + resourceKeys + "}");
        using var t = new TempPolicy(("catalog.yaml", catalog), ("rules.yaml", Allow));
        return t.Load();
    }

    [Fact]
    public void Given_TheDecisionCarriesThem()
    {
        var result = Load(", extend: {default: 30m, max_total: 8h, max_count: 2, approval: always}, expiry_warning: 15m");
        Assert.Empty(result.Problems);
        var resource = result.Snapshot!.Decide(Policy.Request("U0PAY0001", "payments-dev")).Resource!;
        Assert.Equal(new ExtensionPolicy(TimeSpan.FromMinutes(30), TimeSpan.FromHours(8), 2, ExtensionApproval.Always), resource.Extend);
        Assert.Equal(TimeSpan.FromMinutes(15), resource.ExpiryWarning);
        Assert.Equal(TimeSpan.FromMinutes(15), result.Snapshot.LongestExpiryWarning);
    }

    [Fact]
    public void NotGiven_DefaultsApply_AndOffIsZero()
    {
        var none = Load("");
        Assert.Empty(none.Problems);
        var resource = none.Snapshot!.FindResource("payments-dev")!;
        Assert.Null(resource.Extend);
        Assert.Null(resource.ExpiryWarning);
        Assert.Equal(TimeSpan.FromHours(1), ExtensionPolicy.Default.StepOrDefault);
        Assert.Equal(3, ExtensionPolicy.Default.MaxCountOrDefault);

        var off = Load(", extend: {max_count: 0}, expiry_warning: off");
        Assert.Empty(off.Problems);
        Assert.Equal(TimeSpan.Zero, off.Snapshot!.FindResource("payments-dev")!.ExpiryWarning);
        Assert.Equal(0, off.Snapshot.FindResource("payments-dev")!.Extend!.MaxCountOrDefault);
    }

    [Fact]
    public void OwnerApproval_IsOneFromTheOwningTeamInItsChannel()
    {
        var plan = Load("").Snapshot!.OwnerApproval("payments-dev")!;
        Assert.Equal("#payments-access", plan.Channel);
        var requirement = Assert.Single(plan.Requirements);
        Assert.Equal(("@payments-oncall", "S0PAYONC", 1), (requirement.Approvers.Name, requirement.Approvers.SlackUserGroupId, requirement.Count));
        Assert.Null(Load("").Snapshot!.OwnerApproval("nothing-like-it"));
    }

    [Theory]
    [InlineData(", extend: {max_count: 101}", "bad-value", "max_count")]
    [InlineData(", extend: {approval: sometimes}", "bad-value", "as_request")]
    [InlineData(", extend: {maximum: 8h}", "unknown-key", "maximum")]
    [InlineData(", extend: {default: 2h, max_total: 1h}", "bad-duration", "longer than its max_total")]
    [InlineData(", extend: {max_total: 0m}", "bad-duration", "zero")]
    [InlineData(", extend: 8h", "bad-type", "")]
    [InlineData(", expiry_warning: 2d", "bad-duration", "at most 1d")]
    [InlineData(", expiry_warning: soon", "bad-duration", "")]
    public void BadKeys_AreProblemsAtTheirPlace(string keys, string code, string says)
    {
        var p = Assert.Single(Load(keys).Problems);
        Assert.Equal(("catalog.yaml", 17, code), (p.File, p.Line, p.Code));
        Assert.True(p.Column > 1);
        Assert.Contains(says, p.Message);
    }
}
