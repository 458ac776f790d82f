using JitBot.Requests;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// The Extend and Revoke-now buttons of a grant, wherever they are shown (the expiry warning, App Home, a list). Each
/// carries the full grant id; <see cref="GrantClickHandler"/> answers them, before and after a restart alike.
/// </summary>
public static class GrantButtons
{
    public const string ExtendActionId = "grant_extend";
    public const string RevokeActionId = "grant_revoke";

    /// <param name="step">What Extend asks for (the resource's <c>extend.default</c>, else an hour), shown on the button.</param>
    public static ActionsBlock For(GrantId id, string resourceId, TimeSpan step) =>
        Blocks.Actions($"grant:{id.Value}",
            Blocks.Button($"Extend by {SlackText.Duration(step)}", ExtendActionId, id.Value, "primary"),
            Blocks.Button("Revoke now", RevokeActionId, id.Value, "danger",
                Blocks.Confirm("Revoke now?", $"End your access to {SlackText.Resource(resourceId)} now (grant {SlackText.Id(id)})?", "Revoke", "Cancel", "danger")));
}
