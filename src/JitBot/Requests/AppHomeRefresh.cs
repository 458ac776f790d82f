namespace JitBot.Requests;

/// <summary>
/// Keeps the page where a person sees what they have and what waits for them (Slack's App Home) current. The
/// notification dispatcher calls <see cref="RefreshForRequestAsync"/> after each notice about a request or grant is
/// delivered; other code may call <see cref="RefreshAsync"/> for one person after a change that sends no notice.
/// Implementations never throw for a page they could not refresh: it is brought up to date when it is next opened.
/// </summary>
public interface IAppHomeRefresher
{
    /// <summary>Shows <paramref name="userId"/>'s page again, with what is true now, if they have it open.</summary>
    Task RefreshAsync(string userId, CancellationToken cancellationToken);

    /// <summary>
    /// Shows again the pages the request appears on, or should now appear on: its requester's, and those of the
    /// approvers it waits for (or waited for until now).
    /// </summary>
    Task RefreshForRequestAsync(RequestId requestId, CancellationToken cancellationToken);
}
