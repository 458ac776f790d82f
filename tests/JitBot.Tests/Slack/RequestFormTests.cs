using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.BlockKit;
using JitBot.SlackApp;
using Microsoft.Extensions.Options;

namespace JitBot.Tests.Slack;

public class RequestFormTests
{
    static readonly Decision Auto = new(DecisionOutcome.AutoApproved, "x", null, null, null, [], [], "ok", "v1");

    static ResourcePreview Preview(string id, PreviewOutcome outcome = PreviewOutcome.Automatic, string? description = null,
        Dictionary<string, string>? tags = null, IReadOnlyList<FieldProblem>? needs = null)
    {
        var info = new ResourceInfo(id, description ?? id, tags ?? new Dictionary<string, string> { ["env"] = "dev", ["owner-team"] = "payments" },
            "payments", new ProviderSettings("record", new Dictionary<string, string>()));
        return new ResourcePreview(id, info, outcome, Auto with { ResourceId = id }, null, needs ?? [], new DurationBounds(TimeSpan.FromHours(1), TimeSpan.FromHours(4)));
    }

    static List<ResourcePreview> Many(int n) => Enumerable.Range(0, n).Select(i => Preview($"box-{i:D3}")).ToList();

    [Fact]
    public void UpToAHundredResources_AreAStaticSelect_MoreAnExternalOne()
    {
        var small = RequestForm.Build(Many(100), "{}");
        var large = RequestForm.Build(Many(101), "{}");

        var smallPicker = Assert.IsType<StaticSelectElement>(Picker(small).Element);
        Assert.Equal(100, smallPicker.Options!.Count);
        Assert.IsType<ExternalSelectElement>(Picker(large).Element);
        Assert.Equal(RequestForm.ResourceAction, ((ExternalSelectElement)Picker(large).Element).ActionId);
        Assert.Equal(RequestForm.CallbackId, large.CallbackId);
        Assert.Equal(["resource", "duration", "reason", "ticket"], small.Blocks.OfType<InputBlock>().Select(b => b.BlockId));
    }

    static InputBlock Picker(View view) => view.Blocks.OfType<InputBlock>().Single(b => b.BlockId == RequestForm.ResourceBlock);

    [Fact]
    public void AnOption_SaysHow_AndItsTags_WithinSlacksLimits()
    {
        var tags = Enumerable.Range(0, 20).ToDictionary(i => $"tag{i:D2}", i => new string('v', 10));
        var auto = RequestForm.Option(Preview(new string('a', 90), tags: tags))!;
        var needsTicket = RequestForm.Option(Preview("db", PreviewOutcome.Approval, needs: [new FieldProblem("ticket", "t")]))!;

        Assert.True(auto.Text.Text.Length <= ViewLimits.OptionText);
        Assert.Equal(new string('a', 90), auto.Value);
        Assert.True(auto.Description!.Text.Length <= ViewLimits.OptionDescription);
        Assert.StartsWith("at once · tag00=vvvvvvvvvv", auto.Description.Text);
        Assert.Equal("approval · reason + ticket · env=dev", needsTicket.Description!.Text);
        Assert.Null(RequestForm.Option(Preview(new string('a', 151))));
    }

    [Fact]
    public void Suggestions_MatchIdsFirst_ThenDescriptionsAndTags_AtMostAHundred()
    {
        var catalog = new List<ResourcePreview>
        {
            Preview("ledger-db", description: "General ledger"),
            Preview("payments-db", description: "Payments PostgreSQL"),
            Preview("vault", description: "Secrets", tags: new Dictionary<string, string> { ["kind"] = "postgres-ish" }),
            Preview("db-proxy"),
        };

        Assert.Equal(["db-proxy", "ledger-db", "payments-db"], RequestForm.Matching(catalog, "DB").Select(o => o.Value));
        Assert.Equal(["payments-db", "vault"], RequestForm.Matching(catalog, "postgres").Select(o => o.Value));
        Assert.Equal(100, RequestForm.Matching(Many(250), "").Count);
        Assert.Equal(100, RequestForm.Matching(Many(250), "box").Count);
    }

    [Theory]
    [InlineData("", "", null)]
    [InlineData("fix payouts", "", "fix payouts")]
    [InlineData("", "INC-1", "(ticket: INC-1)")]
    [InlineData("fix payouts", "INC-1", "fix payouts (ticket: INC-1)")]
    public void TheTicket_IsAppendedToTheReason(string reason, string ticket, string? stored) =>
        Assert.Equal(stored, RequestFormSubmission.Reason(reason, ticket));

    [Fact]
    public void TheFormsMetadata_ComesBackOnlyUnchanged_AndOnlyForWhoOpenedIt()
    {
        var contexts = new RequestFormContext(Options.Create(new SlackOptions { SigningSecret = "secret" }));
        var written = contexts.Write(new FormOrigin("U1", "C1", "payments"));

        Assert.Equal(new FormOrigin("U1", "C1", "payments"), contexts.Read(written, "U1"));
        Assert.Null(contexts.Read(written, "U2"));
        Assert.Null(contexts.Read(written.Replace("payments", "inc-1"), "U1"));
        Assert.Null(new RequestFormContext(Options.Create(new SlackOptions { SigningSecret = "other" })).Read(written, "U1"));
        Assert.Null(contexts.Read("not json", "U1"));
        Assert.Equal(new FormOrigin("U1", null, null), contexts.Read(contexts.Write(new FormOrigin("U1", null, null)), "U1"));
    }

    [Fact]
    public void TheResourcesList_IsBounded_ForSlack()
    {
        var many = Enumerable.Range(0, 300).Select(i => Preview($"box-{i:D3}", description: new string('d', 500),
            tags: Enumerable.Range(0, 10).ToDictionary(t => $"tag{t}", t => new string('v', 100)))).ToList();
        var scope = new DecisionScope(null!, new Principal("U1", []), new RequestContext(DateTimeOffset.UnixEpoch), null);

        var reply = ResourcesReply.From(new CatalogPreview(many, 310, 10, scope), TagFilters.None, ["env:dev", "kind:db"]);

        Assert.True(reply.Blocks!.Count <= BlockLimits.BlocksPerMessage);
        var texts = reply.Blocks.OfType<SectionBlock>().Select(b => b.Text!.Text).ToList();
        Assert.All(texts, t => Assert.True(t.Length <= BlockLimits.SectionText));
        Assert.True(texts.Sum(t => t.Length) <= 13_000);
        var context = string.Join(" ", reply.Blocks.OfType<ContextBlock>().SelectMany(c => c.Elements).Select(e => e.Text));
        Assert.Matches(@"…and \d+ more: narrow the list with tag:value filters, e.g. `/access resources env:dev` or `/access resources kind:db`", context);
        Assert.Contains("10 more are not open to you", reply.Text);
    }
}
