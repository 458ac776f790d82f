using System.Net;
using System.Text;
using JitBot.Slack.Api;
using Microsoft.Extensions.Time.Testing;

namespace JitBot.Tests.Slack;

/// <summary><c>conversations.members</c> in the API client: the form it sends, the page and cursor it reads, Slack's errors.</summary>
public class ConversationsMembersTests
{
    sealed class ScriptedHandler(Func<string, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<(Uri Uri, string Body)> Calls { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            lock (Calls) Calls.Add((request.RequestUri!, body));
            return answer(body);
        }
    }

    static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    static (IConversationsApi Api, ScriptedHandler Handler) Client(Func<string, HttpResponseMessage> answer, int maxRetries = 3)
    {
        var handler = new ScriptedHandler(answer);
        var client = new SlackApiClient(new HttpClient(handler),
            new SlackApiSettings("xoxb-secret-token", new Uri("http://127.0.0.1:9/api/")) { MaxRateLimitRetries = maxRetries },
            new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero)));
        return (client.Conversations, handler);
    }

    [Fact]
    public async Task FirstPage_SendsChannelAndLimit_WithoutACursor_AndReadsTheNextCursor()
    {
        var (api, handler) = Client(_ => Json("""{"ok":true,"members":["U1","U2"],"response_metadata":{"next_cursor":"dGVhbTpDMDYx"}}"""));

        var page = await api.MembersAsync("C1", null, 200, CancellationToken.None);

        Assert.Equal(["U1", "U2"], page.Members);
        Assert.Equal("dGVhbTpDMDYx", page.NextCursor);
        var (uri, body) = Assert.Single(handler.Calls);
        Assert.EndsWith("/conversations.members", uri.AbsolutePath);
        Assert.Equal("channel=C1&limit=200", body);
    }

    [Fact]
    public async Task NextPage_SendsTheCursor_AndAnEmptyNextCursorEndsThePaging()
    {
        var (api, handler) = Client(_ => Json("""{"ok":true,"members":["U3"],"response_metadata":{"next_cursor":""}}"""));

        var page = await api.MembersAsync("C1", "dGVhbTpDMDYx", 2, CancellationToken.None);

        Assert.Equal(["U3"], page.Members);
        Assert.Null(page.NextCursor);
        Assert.Equal("channel=C1&limit=2&cursor=dGVhbTpDMDYx", handler.Calls[0].Body);
    }

    [Fact]
    public async Task WithoutResponseMetadata_ThePageIsTheLast()
    {
        var (api, _) = Client(_ => Json("""{"ok":true,"members":[]}"""));
        var page = await api.MembersAsync("C1", null, 200, CancellationToken.None);
        Assert.Empty(page.Members);
        Assert.Null(page.NextCursor);
    }

    [Theory]
    [InlineData("not_in_channel")]
    [InlineData("channel_not_found")]
    [InlineData("missing_scope")]
    public async Task SlackErrors_BecomeSlackApiException_WithSlacksCode(string error)
    {
        var (api, _) = Client(_ => Json($$"""{"ok":false,"error":"{{error}}"}"""));
        var e = await Assert.ThrowsAsync<SlackApiException>(() => api.MembersAsync("C1", null, 200, CancellationToken.None));
        Assert.Equal(("conversations.members", error), (e.Method, e.Error));
        Assert.DoesNotContain("xoxb", e.ToString());
    }

    [Theory]
    [InlineData("""{"ok":true}""")]
    [InlineData("""{"ok":true,"members":"U1"}""")]
    [InlineData("""{"ok":true,"members":["U1",7]}""")]
    public async Task AnAnswerWithoutAMemberList_IsAnInvalidResponse(string answer)
    {
        var (api, _) = Client(_ => Json(answer));
        var e = await Assert.ThrowsAsync<SlackApiException>(() => api.MembersAsync("C1", null, 200, CancellationToken.None));
        Assert.Equal("invalid_response", e.Error);
    }

    [Fact]
    public async Task RateLimitedPastItsRetries_IsRateLimited()
    {
        var (api, handler) = Client(_ =>
        {
            var limited = Json("""{"ok":false,"error":"ratelimited"}""", HttpStatusCode.TooManyRequests);
            limited.Headers.Add("Retry-After", "0");
            return limited;
        }, maxRetries: 2);

        var e = await Assert.ThrowsAsync<SlackApiException>(() => api.MembersAsync("C1", null, 200, CancellationToken.None));

        Assert.Equal("rate_limited", e.Error);
        Assert.Equal(3, handler.Calls.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task ALimitSlackRefuses_IsRefusedBeforeAnyCall(int limit)
    {
        var (api, handler) = Client(_ => Json("""{"ok":true,"members":[]}"""));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => api.MembersAsync("C1", null, limit, CancellationToken.None));
        Assert.Empty(handler.Calls);
    }
}
