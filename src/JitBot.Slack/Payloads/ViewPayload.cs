using JitBot.Slack.BlockKit;

namespace JitBot.Slack.Payloads;

/// <summary>
/// One input's value in <c>view.state.values[block_id][action_id]</c>: <see cref="Value"/> for a
/// <c>plain_text_input</c>, <see cref="SelectedOption"/> for a select menu.
/// </summary>
public sealed record ViewStateValue(string? Type, string? Value, OptionObject? SelectedOption);

public sealed record ViewState(IReadOnlyDictionary<string, IReadOnlyDictionary<string, ViewStateValue>>? Values);

/// <summary>
/// The view a <c>view_submission</c>, <c>view_closed</c> or <c>block_suggestion</c> (inside a modal) comes from,
/// as Slack sends it: its id and hash (for <c>views.update</c>), <c>callback_id</c>, <c>private_metadata</c> and
/// the state of its inputs. Everything in it came from the client: re-check it before acting on it.
/// </summary>
public sealed record ViewPayload(
    string? Id,
    string? Type,
    string? Hash,
    string? CallbackId,
    string? PrivateMetadata,
    string? ExternalId,
    string? RootViewId,
    string? PreviousViewId,
    ViewState? State)
{
    /// <summary>The entered text or the selected option's value of one input; null when empty or missing.</summary>
    public string? ValueOf(string blockId, string actionId) =>
        State?.Values?.GetValueOrDefault(blockId)?.GetValueOrDefault(actionId) is { } v
            ? v.SelectedOption?.Value ?? (string.IsNullOrEmpty(v.Value) ? null : v.Value)
            : null;
}
