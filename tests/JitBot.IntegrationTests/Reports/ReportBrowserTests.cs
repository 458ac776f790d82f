using System.Text.RegularExpressions;
using JitBot.Cli;
using JitBot.IntegrationTests.EndToEnd;
using JitBot.IntegrationTests.Playground;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JitBot.IntegrationTests.Reports;

/// <summary>
/// The compliance report of a flow recorded by the real host (an auto-approved grant, an approved one, both expiring,
/// and a denial), made by <c>jitbot report</c> from the LiteDB file once the bot has stopped, and shown in Chromium.
/// With <c>JITBOT_PLAYGROUND_SCREENSHOTS=docs/images</c> it refreshes docs/images/report.png.
/// </summary>
public sealed class ReportBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    // The bot strips markup characters from reasons as it takes them, so the log holds "scriptalert(1)/script";
    // escaping of what reaches the page is covered by the unit tests (ReportRenderingTests).
    const string Hostile = "INC-4312 payouts stuck <script>alert(1)</script>";
    const string StoredReason = "INC-4312 payouts stuck";

    [Fact]
    public async Task ReportOfARecordedFlow_ShowsPeopleResourcesApproverAndReasons_WithABarPerGrant()
    {
        await using var w = await Workspace.StartAsync();
        Assert.Contains("approved for", await w.AskAsync(People.Ana, "payments-db-staging for 2h because checking a migration"));
        await w.DirectMessageAsync(People.Ana, "You have access to `payments-db-staging`");

        await w.AskAsync(People.Ben, $"payments-api-prod for 1h because {Hostile}");
        var approved = await w.ApprovalPostedAsync();
        await w.ClickAsync(People.Hana, approve: true, approved);
        await w.DirectMessageAsync(People.Ben, "You have access to `payments-api-prod`");

        w.Clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        await w.DirectMessageAsync(People.Ana, "expired", TimeSpan.FromSeconds(30));
        await w.DirectMessageAsync(People.Ben, "expired", TimeSpan.FromSeconds(30));

        await w.AskAsync(People.Ben, "payments-api-prod for 1h because INC-4400 second look");
        var denied = await w.ApprovalPostedAsync(index: 1);
        await w.ClickAsync(People.Ana, approve: false, denied);
        await w.UpdatedAsync(denied, "Denied");
        var now = w.Clock.GetUtcNow();
        await w.Bot.DisposeAsync(); // the report reads the file of a stopped bot

        var folder = Directory.CreateTempSubdirectory("jitbot-report-").FullName;
        var html = Path.Combine(folder, "report.html");
        var csv = Path.Combine(folder, "report.csv");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = ReportCli.Run(new ReportArguments("4h", null, html, csv, new CliStoreOptions("litedb", w.Storage.ConnectionString)), now, stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("2 grant(s) of 2 resource(s) to 2 person(s)", stdout.ToString());

        var rows = File.ReadAllLines(csv);
        Assert.Equal(3, rows.Length);
        Assert.Contains(rows, r => r.Contains(People.Ben) && r.Contains("payments-api-prod") && r.Contains(People.Hana) && r.Contains(",expired,") && r.EndsWith(",INC-4312"));
        Assert.Contains(rows, r => r.Contains(People.Ana) && r.Contains("payments-db-staging") && r.Contains("auto (policy)") && r.Contains(",2h 1m,"));
        Assert.Contains(rows, r => r.Contains(StoredReason));

        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1180, Height = 760 } });
        var dialogs = 0;
        page.Dialog += (_, d) => { dialogs++; _ = d.DismissAsync(); };
        await page.GotoAsync(new Uri(html).AbsoluteUri);

        var grants = page.Locator("table.grants tbody tr");
        await Expect(grants).ToHaveCountAsync(2);
        var ben = grants.Filter(new LocatorFilterOptions { HasText = People.Ben });
        await Expect(ben).ToContainTextAsync("payments-api-prod");
        await Expect(ben).ToContainTextAsync(People.Hana);          // approved by
        await Expect(ben).ToContainTextAsync(StoredReason);
        await Expect(ben).ToContainTextAsync("expired");
        var ana = grants.Filter(new LocatorFilterOptions { HasText = People.Ana });
        await Expect(ana).ToContainTextAsync("payments-db-staging");
        await Expect(ana).ToContainTextAsync("auto (policy)");
        await Expect(ana).ToContainTextAsync("checking a migration");
        await Expect(page.Locator("body")).Not.ToContainTextAsync("INC-4400"); // the denial granted nothing
        await Expect(page.Locator("script")).ToHaveCountAsync(0);

        var bars = page.Locator("svg.timeline g.bar");
        await Expect(bars).ToHaveCountAsync(2);
        await Expect(page.Locator("svg.timeline g.row")).ToHaveCountAsync(2);
        foreach (var bar in await bars.AllAsync())
        {
            var box = await bar.Locator("rect").BoundingBoxAsync();
            Assert.True(box is { Width: > 10, Height: > 10 }, "each grant's bar is drawn");
        }
        // One row per resource, in order of name: payments-api-prod (Ben's), then payments-db-staging (Ana's).
        await Expect(bars.Locator("title")).ToHaveTextAsync([new Regex($"^{People.Ben} · payments-api-prod .*approved by {People.Hana}"), new Regex($"^{People.Ana} · payments-db-staging .*auto")]);
        Assert.Equal(0, dialogs);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(PlaygroundPageDriver.ScreenshotFolder, "report.png"), FullPage = true });
        await page.CloseAsync();
        Directory.Delete(folder, recursive: true);
    }
}
