using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// The answer to a slash command as the person sees it: the immediate reply, or <see cref="Late"/> the answer the
/// bot posted to the command's <c>response_url</c> after acknowledging it with "still working on it".
/// </summary>
public sealed record CommandAnswer(string Text, string? ResponseType, bool Late);

/// <summary>
/// Reads the answer to a slash command, immediate or late. The bot answers <c>/access &lt;resource&gt;</c> within its
/// acknowledgement budget (2.5 s on its clock) or says it is still working on it and posts the answer to the
/// command's <c>response_url</c> once it has one (<c>LateAnswers</c>). A test about what the answer says, not about
/// when it comes, reads it here, so a busy machine that runs out the budget (a bot process on the wall clock) does not
/// fail it. Tests about the acknowledgement itself (that "still working" comes, and when) send the command themselves.
/// </summary>
public static class CommandAnswers
{
    /// <summary>The acknowledgement of an <c>/access &lt;resource&gt;</c> whose answer follows at the <c>response_url</c>.</summary>
    public static bool IsStillWorking(string text) => text.Contains("is still working on your request", StringComparison.Ordinal);

    /// <summary>
    /// The acknowledgement of <c>/access revoke</c> or <c>/access extend</c> when the budget ran out ("is being revoked",
    /// "is under way"). No answer follows at the <c>response_url</c>: the holder's message about the grant does, so a
    /// test checks what the command did instead.
    /// </summary>
    public static bool IsUnderWay(string text) => text.Contains("you will get a message when it is done", StringComparison.Ordinal);

    /// <summary>
    /// Sends <paramref name="command"/> (signed by a <see cref="SlackSigner"/> whose <c>ResponseUrls</c> are
    /// <see cref="FakeSlack.NewResponseUrl"/>) and returns its answer: the reply, or, when the reply says the bot is
    /// still working on it, what the bot posted to the command's <c>response_url</c> (waited for at most
    /// <paramref name="lateTimeout"/>, 60 s unless given).
    /// </summary>
    public static async Task<CommandAnswer> AnswerAsync(this FakeSlack slack, HttpClient client, HttpRequestMessage command, TimeSpan? lateTimeout = null)
    {
        var responsePath = ResponseUrlPath(slack, await command.Content!.ReadAsStringAsync());
        var response = await client.SendAsync(command);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var text = (string?)reply["text"] ?? "";
        if (!IsStillWorking(text)) return new CommandAnswer(text, (string?)reply["response_type"], Late: false);

        var calls = await slack.WaitForAsync(c => c.Any(x => IsAnswer(x, responsePath)),
            $"the late answer to \"{text}\" at the command's response_url", lateTimeout ?? TimeSpan.FromSeconds(60));
        var late = calls.First(x => IsAnswer(x, responsePath));
        return new CommandAnswer(late.Text ?? "", late.Arg("response_type"), Late: true);
    }

    static bool IsAnswer(SlackCall call, string path) => call.Method == "response_url" && call.Form.GetValueOrDefault("path") == path;

    /// <summary>The path of the command's <c>response_url</c>, which must be on <paramref name="slack"/>, so a late answer can be seen.</summary>
    static string ResponseUrlPath(FakeSlack slack, string body)
    {
        var url = QueryHelpers.ParseQuery(body).TryGetValue("response_url", out var values) ? values.ToString() : "";
        Assert.True(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Authority == slack.ApiBaseUrl.Authority,
            $"The command's response_url ({url}) is not on the fake Slack: sign it with ResponseUrls = slack.NewResponseUrl.");
        return uri!.AbsolutePath;
    }
}
