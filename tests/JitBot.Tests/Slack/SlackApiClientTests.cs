using System.Net;
using System.Text;
using System.Text.Json;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;
using Microsoft.Extensions.Time.Testing;

namespace JitBot.Tests.Slack;

public class SlackApiClientTests
{
    sealed class ScriptedHandler(Func<HttpRequestMessage, string, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        public List<(HttpRequestMessage Request, string Body)> Calls { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            lock (Calls) Calls.Add((request, body));
            return await answer(request, body);
        }
    }

    static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));

    (SlackApiClient Client, ScriptedHandler Handler) Client(
        Func<HttpRequestMessage, string, Task<HttpResponseMessage>> answer, int maxRetries = 3)
    {
        var handler = new ScriptedHandler(answer);
        var client = new SlackApiClient(new HttpClient(handler),
            new SlackApiSettings("xoxb-secret-token", new Uri("http://127.0.0.1:9/api/")) { MaxRateLimitRetries = maxRetries }, clock);
        return (client, handler);
    }

    static HttpResponseMessage RateLimited(string retryAfterSeconds)
    {
        var limited = Json("""{"ok":false,"error":"ratelimited"}""", HttpStatusCode.TooManyRequests);
        limited.Headers.Add("Retry-After", retryAfterSeconds);
        return limited;
    }

    [Fact]
    public async Task PostMessage_SendsJsonWithBearerToken_ToTheMethodUrl()
    {
        var (client, handler) = Client((_, _) => Task.FromResult(Json("""{"ok":true,"channel":"C1","ts":"1.000200"}""")));

        var posted = await client.Chat.PostMessageAsync(
            new ChatMessage("#ops", "fallback", [Blocks.Section("*hi*")], ThreadTs: "1.0001"), CancellationToken.None);

        Assert.Equal(new PostedMessage("C1", "1.000200"), posted);
        var (request, body) = Assert.Single(handler.Calls);
        Assert.Equal("http://127.0.0.1:9/api/chat.postMessage", request.RequestUri!.ToString());
        Assert.Equal("Bearer", request.Headers.Authorization!.Scheme);
        Assert.Equal("xoxb-secret-token", request.Headers.Authorization.Parameter);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("#ops", json.RootElement.GetProperty("channel").GetString());
        Assert.Equal("fallback", json.RootElement.GetProperty("text").GetString());
        Assert.Equal("1.0001", json.RootElement.GetProperty("thread_ts").GetString());
        Assert.Equal("section", json.RootElement.GetProperty("blocks")[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Reads_AreSentAsForms()
    {
        var (client, handler) = Client((_, _) => Task.FromResult(Json("""{"ok":true,"users":["U1","U2"]}""")));
        var members = await client.UserGroups.UsersListAsync("S1", CancellationToken.None);
        Assert.Equal(["U1", "U2"], members);
        var (request, body) = Assert.Single(handler.Calls);
        Assert.EndsWith("/usergroups.users.list", request.RequestUri!.AbsolutePath);
        Assert.Equal("usergroup=S1", body);
    }

    [Fact]
    public async Task UsersInfo_And_ConversationsInfo_AreParsed()
    {
        var (client, _) = Client((r, _) => Task.FromResult(Json(r.RequestUri!.AbsolutePath.EndsWith("users.info")
            ? """{"ok":true,"user":{"id":"U1","name":"worf","real_name":"Worf","deleted":false,"is_bot":false,"tz":"Europe/Paris","profile":{"display_name":"worf.k"}}}"""
            : """{"ok":true,"channel":{"id":"C1","name":"ops","is_private":true,"is_archived":false,"is_im":false}}""")));
        var user = await client.Users.InfoAsync("U1", CancellationToken.None);
        Assert.Equal("worf.k", user.ShownName);
        Assert.Equal("Europe/Paris", user.Tz);
        var channel = await client.Conversations.InfoAsync("C1", CancellationToken.None);
        Assert.Equal("ops", channel.Name);
        Assert.True(channel.IsPrivate);
    }

    [Fact]
    public async Task AuthTest_NamesTheWorkspaceAndBot_AndBotsInfo_TheBotsApp()
    {
        var (client, handler) = Client((r, _) => Task.FromResult(Json(r.RequestUri!.AbsolutePath.EndsWith("auth.test")
            ? """{"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"jitbot","team_id":"T1","user_id":"U9","bot_id":"B7","is_enterprise_install":false}"""
            : """{"ok":true,"bot":{"id":"B7","deleted":false,"name":"jitbot","app_id":"A5","user_id":"U9"}}""")));

        var token = await client.Auth.TestAsync(CancellationToken.None);
        var bot = await client.Bots.InfoAsync(token.BotId!, CancellationToken.None);

        Assert.Equal(("T1", "U9", "B7"), (token.TeamId, token.UserId, token.BotId));
        Assert.Equal("A5", bot.AppId);
        Assert.Equal("bot=B7", handler.Calls[1].Body);
    }

    [Theory]
    [InlineData("""{"ok":true,"user_id":"U9"}""")]
    [InlineData("""{"ok":true,"team_id":7,"user_id":"U9"}""")]
    public async Task AuthTest_WithoutAWorkspace_IsAnInvalidResponse(string answer)
    {
        var (client, _) = Client((_, _) => Task.FromResult(Json(answer)));
        var e = await Assert.ThrowsAsync<SlackApiException>(() => client.Auth.TestAsync(CancellationToken.None));
        Assert.Equal("invalid_response", e.Error);
    }

    [Fact]
    public async Task OkFalse_BecomesTypedException_WithoutTheToken()
    {
        var (client, _) = Client((_, _) => Task.FromResult(Json(
            """{"ok":false,"error":"invalid_blocks","response_metadata":{"messages":["[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text]"]}}""")));
        var e = await Assert.ThrowsAsync<SlackApiException>(() =>
            client.Chat.UpdateAsync(new ChatUpdate("C1", "1.1", "t"), CancellationToken.None));
        Assert.Equal("chat.update", e.Method);
        Assert.Equal("invalid_blocks", e.Error);
        Assert.Single(e.Messages);
        Assert.DoesNotContain("xoxb", e.ToString());
    }

    [Fact]
    public async Task RateLimited_WaitsRetryAfterOnTheInjectedClock_ThenRetries()
    {
        var calls = 0;
        var (client, handler) = Client((_, _) => Task.FromResult(
            Interlocked.Increment(ref calls) == 1 ? RateLimited("7") : Json("""{"ok":true,"channel":"C1","ts":"2.0"}""")));

        var posting = client.Chat.PostMessageAsync(new ChatMessage("C1", "x"), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(7) - TimeSpan.FromTicks(1));
        Assert.Single(handler.Calls);
        clock.Advance(TimeSpan.FromTicks(1));

        // Far less than the 7 seconds a wait on the wall clock would take.
        var posted = await posting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("2.0", posted.Ts);
        Assert.Equal(2, handler.Calls.Count);
    }

    [Fact]
    public async Task RateLimited_GivesUpAfterBoundedRetries()
    {
        var (client, handler) = Client((_, _) => Task.FromResult(RateLimited("0")), maxRetries: 2);
        var e = await Assert.ThrowsAsync<SlackApiException>(() => client.Chat.PostMessageAsync(new ChatMessage("C1", "x"), CancellationToken.None));
        Assert.Equal("rate_limited", e.Error);
        Assert.Equal(3, handler.Calls.Count);
    }

    [Fact]
    public async Task HttpError_BecomesTypedException()
    {
        var (client, _) = Client((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadGateway)));
        var e = await Assert.ThrowsAsync<SlackApiException>(() => client.Users.InfoAsync("U1", CancellationToken.None));
        Assert.Equal("http_502", e.Error);
    }

    [Fact]
    public async Task PostsToOneChannel_AreSentInOrder_OneAtATime()
    {
        var release = new TaskCompletionSource();
        var inFlight = 0;
        var maxInFlight = 0;
        var (client, handler) = Client(async (_, body) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            lock (this) maxInFlight = Math.Max(maxInFlight, now);
            if (body.Contains("\"first\"")) await release.Task;
            Interlocked.Decrement(ref inFlight);
            return Json("""{"ok":true,"channel":"C1","ts":"1.0"}""");
        });

        var first = client.Chat.PostMessageAsync(new ChatMessage("C1", "first"), CancellationToken.None);
        var second = client.Chat.PostMessageAsync(new ChatMessage("C1", "second"), CancellationToken.None);
        var third = client.Chat.PostMessageAsync(new ChatMessage("C1", "third"), CancellationToken.None);
        var other = client.Chat.PostMessageAsync(new ChatMessage("C2", "other channel"), CancellationToken.None);
        await other; // another channel is not held up
        Assert.False(second.IsCompleted);
        release.SetResult();
        await Task.WhenAll(first, second, third);

        var order = handler.Calls.Select(c => JsonDocument.Parse(c.Body).RootElement.GetProperty("text").GetString())
            .Where(t => t != "other channel").ToList();
        Assert.Equal(["first", "second", "third"], order);
        Assert.Equal(2, maxInFlight); // "first" and "other channel", never two posts to C1
    }

    // conversations.members: the form it sends, the page and cursor it reads, Slack's errors.

    (IConversationsApi Api, ScriptedHandler Handler) Members(Func<string, HttpResponseMessage> answer, int maxRetries = 3)
    {
        var (client, handler) = Client((_, body) => Task.FromResult(answer(body)), maxRetries);
        return (client.Conversations, handler);
    }

    [Fact]
    public async Task FirstPage_SendsChannelAndLimit_WithoutACursor_AndReadsTheNextCursor()
    {
        var (api, handler) = Members(_ => Json("""{"ok":true,"members":["U1","U2"],"response_metadata":{"next_cursor":"dGVhbTpDMDYx"}}"""));

        var page = await api.MembersAsync("C1", null, 200, CancellationToken.None);

        Assert.Equal(["U1", "U2"], page.Members);
        Assert.Equal("dGVhbTpDMDYx", page.NextCursor);
        var (request, body) = Assert.Single(handler.Calls);
        Assert.EndsWith("/conversations.members", request.RequestUri!.AbsolutePath);
        Assert.Equal("channel=C1&limit=200", body);
    }

    [Fact]
    public async Task NextPage_SendsTheCursor_AndAnEmptyNextCursorEndsThePaging()
    {
        var (api, handler) = Members(_ => Json("""{"ok":true,"members":["U3"],"response_metadata":{"next_cursor":""}}"""));

        var page = await api.MembersAsync("C1", "dGVhbTpDMDYx", 2, CancellationToken.None);

        Assert.Equal(["U3"], page.Members);
        Assert.Null(page.NextCursor);
        Assert.Equal("channel=C1&limit=2&cursor=dGVhbTpDMDYx", handler.Calls[0].Body);
    }

    [Fact]
    public async Task WithoutResponseMetadata_ThePageIsTheLast()
    {
        var (api, _) = Members(_ => Json("""{"ok":true,"members":[]}"""));
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
        var (api, _) = Members(_ => Json($$"""{"ok":false,"error":"{{error}}"}"""));
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
        var (api, _) = Members(_ => Json(answer));
        var e = await Assert.ThrowsAsync<SlackApiException>(() => api.MembersAsync("C1", null, 200, CancellationToken.None));
        Assert.Equal("invalid_response", e.Error);
    }

    [Fact]
    public async Task RateLimitedPastItsRetries_IsRateLimited()
    {
        var (api, handler) = Members(_ =>
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
    [InlineData("conversations.members", 0)]
    [InlineData("conversations.members", 1001)]
    [InlineData("users.list", 0)]
    [InlineData("users.list", 1001)]
    public async Task ALimitSlackRefuses_IsRefusedBeforeAnyCall(string method, int limit)
    {
        var (client, handler) = Client((_, _) => Task.FromResult(Json("""{"ok":true,"members":[]}""")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => method == "users.list"
            ? client.Users.ListAsync(null, limit, CancellationToken.None)
            : client.Conversations.MembersAsync("C1", null, limit, CancellationToken.None));
        Assert.Empty(handler.Calls);
    }

    // users.list: the form it sends, the users and cursor it reads, Slack's errors.

    (IUsersApi Api, ScriptedHandler Handler) Users(Func<string, HttpResponseMessage> answer, int maxRetries = 3)
    {
        var (client, handler) = Client((_, body) => Task.FromResult(answer(body)), maxRetries);
        return (client.Users, handler);
    }

    [Fact]
    public async Task UsersList_SendsLimitAndCursor_AndReadsBotsAppUsersAndDeactivatedUsers()
    {
        var (api, handler) = Users(_ => Json("""
            {"ok":true,"members":[
              {"id":"U1","name":"ana","deleted":false,"is_bot":false,"profile":{"display_name":"Ana"}},
              {"id":"U2","deleted":true,"is_bot":false},
              {"id":"B3","deleted":false,"is_bot":true},
              {"id":"U4","is_app_user":true},
              {"id":"USLACKBOT","deleted":false,"is_bot":false,"is_app_user":false}],
             "response_metadata":{"next_cursor":"dXNlcjpVMDYx"}}
            """));

        var page = await api.ListAsync("dXNlcjpVMDAx", 1000, CancellationToken.None);

        Assert.Equal(["U1", "U2", "B3", "U4", "USLACKBOT"], page.Members.Select(u => u.Id));
        Assert.Equal([false, true, false, false, false], page.Members.Select(u => u.Deleted));
        Assert.Equal([false, false, true, false, false], page.Members.Select(u => u.IsBot));
        Assert.Equal([false, false, false, true, false], page.Members.Select(u => u.IsAppUser));
        Assert.Equal("Ana", page.Members[0].ShownName);
        Assert.Equal("dXNlcjpVMDYx", page.NextCursor);
        var (request, body) = Assert.Single(handler.Calls);
        Assert.EndsWith("/users.list", request.RequestUri!.AbsolutePath);
        Assert.Equal("limit=1000&cursor=dXNlcjpVMDAx", body);
    }

    [Fact]
    public async Task UsersList_FirstPage_HasNoCursor_AndAnEmptyNextCursorIsTheLastPage()
    {
        var (api, handler) = Users(_ => Json("""{"ok":true,"members":[],"response_metadata":{"next_cursor":""}}"""));
        var page = await api.ListAsync(null, 200, CancellationToken.None);
        Assert.Empty(page.Members);
        Assert.Null(page.NextCursor);
        Assert.Equal("limit=200", handler.Calls[0].Body);
    }

    [Theory]
    [InlineData("""{"ok":true}""")]
    [InlineData("""{"ok":true,"members":{"id":"U1"}}""")]
    [InlineData("""{"ok":true,"members":["U1"]}""")]
    [InlineData("""{"ok":true,"members":[{"name":"no id"}]}""")]
    [InlineData("""{"ok":true,"members":[{"id":"U1","is_bot":"yes"}]}""")]
    public async Task UsersList_AnAnswerWithoutUserObjects_IsAnInvalidResponse(string answer)
    {
        var (api, _) = Users(_ => Json(answer));
        var e = await Assert.ThrowsAsync<SlackApiException>(() => api.ListAsync(null, 1000, CancellationToken.None));
        Assert.Equal(("users.list", "invalid_response"), (e.Method, e.Error));
    }

    [Theory]
    [InlineData("missing_scope")]
    [InlineData("invalid_cursor")]
    [InlineData("limit_required")]
    public async Task UsersList_SlackErrors_BecomeSlackApiException_WithSlacksCode(string error)
    {
        var (api, _) = Users(_ => Json($$"""{"ok":false,"error":"{{error}}"}"""));
        var e = await Assert.ThrowsAsync<SlackApiException>(() => api.ListAsync(null, 1000, CancellationToken.None));
        Assert.Equal(("users.list", error), (e.Method, e.Error));
        Assert.DoesNotContain("xoxb", e.ToString());
    }

    [Fact]
    public async Task UsersList_A429_IsWaitedOut_OnTheClock_ThenAnswered()
    {
        var calls = 0;
        var (api, handler) = Users(_ => Interlocked.Increment(ref calls) == 1
            ? RateLimited("20")
            : Json("""{"ok":true,"members":[{"id":"U1"}]}"""));

        var list = api.ListAsync(null, 1000, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(20) - TimeSpan.FromTicks(1));
        Assert.False(list.IsCompleted);
        clock.Advance(TimeSpan.FromTicks(1));
        var page = await list.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("U1", Assert.Single(page.Members).Id);
        Assert.Equal(2, handler.Calls.Count);
    }

    [Fact]
    public async Task Views_AreSentAsJson_AndAnswerTheViewsIdAndHash()
    {
        var (client, handler) = Client((r, _) => Task.FromResult(Json(
            """{"ok":true,"view":{"id":"V123","hash":"1.abc","callback_id":"access_request","type":"modal"}}""")));
        var modal = Views.Modal("Request access", "access_request", [Views.Input("reason", "Reason", Views.TextInput("reason_text"))]);

        var opened = await client.ViewsOpenAsync("1.2.trigger", modal, CancellationToken.None);
        await client.ViewsUpdateAsync("V123", "1.abc", modal, CancellationToken.None);
        await client.ViewsUpdateAsync("V123", null, modal, CancellationToken.None);
        await client.ViewsPublishAsync("U1", Views.Home([Blocks.Section("hi")]), CancellationToken.None);

        Assert.Equal(new OpenedView("V123", "1.abc", "access_request"), opened);
        Assert.Equal(["views.open", "views.update", "views.update", "views.publish"],
            handler.Calls.Select(c => c.Request.RequestUri!.Segments[^1]));
        using var open = JsonDocument.Parse(handler.Calls[0].Body);
        Assert.Equal("1.2.trigger", open.RootElement.GetProperty("trigger_id").GetString());
        Assert.Equal("input", open.RootElement.GetProperty("view").GetProperty("blocks")[0].GetProperty("type").GetString());
        Assert.Equal("application/json", handler.Calls[0].Request.Content!.Headers.ContentType!.MediaType);
        using var update = JsonDocument.Parse(handler.Calls[1].Body);
        Assert.Equal("V123", update.RootElement.GetProperty("view_id").GetString());
        Assert.Equal("1.abc", update.RootElement.GetProperty("hash").GetString());
        Assert.False(JsonDocument.Parse(handler.Calls[2].Body).RootElement.TryGetProperty("hash", out _));
        using var publish = JsonDocument.Parse(handler.Calls[3].Body);
        Assert.Equal("U1", publish.RootElement.GetProperty("user_id").GetString());
        Assert.Equal("home", publish.RootElement.GetProperty("view").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("expired_trigger_id", true)]
    [InlineData("exchanged_trigger_id", true)]
    [InlineData("invalid_trigger_id", true)]
    [InlineData("view_too_large", false)]
    public async Task AViewsOpenError_IsSlacksCode_AndSaysWhetherTheTriggerWasTheProblem(string error, bool trigger)
    {
        var (client, _) = Client((_, _) => Task.FromResult(Json($$"""{"ok":false,"error":"{{error}}"}""")));

        var e = await Assert.ThrowsAsync<SlackApiException>(() =>
            client.ViewsOpenAsync("1.2.trigger", Views.Modal("t", "c", []), CancellationToken.None));

        Assert.Equal(error, e.Error);
        Assert.Equal(trigger, e.IsUnusableTrigger);
    }
}
