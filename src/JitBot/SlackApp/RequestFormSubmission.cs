using JitBot.Commands;
using JitBot.Common;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;
using JitBot.Storage;

namespace JitBot.SlackApp;

/// <summary>
/// A submitted request form (<c>view_submission</c>, callback <see cref="RequestForm.CallbackId"/>). Everything in it
/// came from the client and the policy may have changed since the form opened, so it is decided again now: a resource
/// that is not in the catalog or no longer open to the person, a duration that cannot be read or is more than the
/// policy allows, a missing reason or ticket each keep the form open with the problem under its field
/// (<c>response_action: errors</c>). A good one closes the form and is submitted like <c>/access</c>
/// (<see cref="IAccessRequests.SubmitAsync"/>); the answer the text command would give arrives as a direct message,
/// through the outbox. A form that already made its request (a double click on Submit) makes no second one.
/// </summary>
public sealed class RequestFormSubmission(
    IPolicySource policies,
    AccessPreviews previews,
    IAccessRequests requests,
    ISeenKeyStore seen,
    LateAnswers answers,
    RequestFormContext contexts,
    TimeProvider time,
    ILogger<RequestFormSubmission> logger) : IViewSubmissionHandler
{
    /// <summary>How long a submitted form's view id is remembered, so a repeated submission of it makes no second request.</summary>
    public static readonly TimeSpan RememberSubmittedFor = TimeSpan.FromDays(1);

    const int ErrorMax = 300;

    public string CallbackId => RequestForm.CallbackId;

    public async Task<SlackAck> HandleAsync(InteractionPayload payload, CancellationToken cancellationToken)
    {
        var view = payload.View!;
        var userId = payload.User!.Id;
        var origin = contexts.Read(view.PrivateMetadata, userId);
        if (origin is null)
        {
            logger.LogWarning("A request form from {UserId} came back with metadata JitBot did not write; refused", LogText.Safe(userId));
            return Errors(RequestForm.ResourceBlock, "This form could not be checked. Close it and type /access to open a new one.");
        }

        var (ask, errors) = await CheckAsync(origin, view, cancellationToken);
        if (errors.Count > 0) return SlackAck.ViewErrors(errors);

        if (!await seen.FirstSeenAsync($"{RequestForm.CallbackId}:{view.Id}", time.GetUtcNow(), RememberSubmittedFor, cancellationToken))
        {
            logger.LogInformation("Request form {ViewId} of {UserId} was submitted again; it already made its request", LogText.Safe(view.Id), LogText.Safe(userId));
            return SlackAck.ViewClear();
        }

        // Not cancelled with the HTTP request: once started, a submission is stored whatever Slack does.
        var submit = requests.SubmitAsync(ask!, CancellationToken.None);
        answers.Queue(ReplyAsync(submit, ask!), userId, responseUrl: null);
        return SlackAck.ViewClear();
    }

    /// <summary>The request the form asks for, decided as a preview now; or the problems, by the block they belong under.</summary>
    async Task<(NewAccessRequest? Ask, Dictionary<string, string> Errors)> CheckAsync(FormOrigin origin, ViewPayload view, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var resourceId = view.ValueOf(RequestForm.ResourceBlock, RequestForm.ResourceAction);
        var durationText = view.ValueOf(RequestForm.DurationBlock, RequestForm.DurationAction)?.Trim();
        var reasonText = AccessCommandParser.NormalizeReason(view.ValueOf(RequestForm.ReasonBlock, RequestForm.ReasonAction) ?? "");
        var ticket = AccessCommandParser.NormalizeReason(view.ValueOf(RequestForm.TicketBlock, RequestForm.TicketAction) ?? "");

        if (string.IsNullOrEmpty(resourceId)) errors[RequestForm.ResourceBlock] = "Choose the resource you need.";
        else if (policies.Current.FindResource(resourceId) is null)
            errors[RequestForm.ResourceBlock] = Cut($"{resourceId} is no longer in the catalog. Choose another one, or close the form and type /access to see what is there now.");

        TimeSpan? duration = null;
        if (!string.IsNullOrEmpty(durationText))
        {
            if (DurationText.TryParse(durationText, out var d, out var problem)) duration = d;
            else errors[RequestForm.DurationBlock] = Cut(problem);
        }
        if (ticket.Length > RequestForm.TicketMaxLength) errors[RequestForm.TicketBlock] = $"Keep the ticket under {RequestForm.TicketMaxLength} characters.";
        var reason = Reason(reasonText, ticket);
        if (reason?.Length > AccessCommandParser.MaxReasonLength)
            errors[RequestForm.ReasonBlock] = $"The reason is {reason.Length} characters long; keep it under {AccessCommandParser.MaxReasonLength}, and link a ticket for the details.";
        if (errors.Count > 0) return (null, errors);

        DecisionScope scope;
        try
        {
            scope = await previews.ScopeAsync(origin.UserId, origin.ChannelId, origin.ChannelName, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Could not read the groups of {UserId} to check a request form", LogText.Safe(origin.UserId));
            errors[RequestForm.ResourceBlock] = "JitBot could not read your Slack groups just now, and they decide what you can get. Submit again in a minute.";
            return (null, errors);
        }

        var preview = AccessPreviews.Of(scope, resourceId!, duration, withBounds: true, reason: reason ?? "");
        var decision = preview.Decision;
        if (!preview.Requestable)
        {
            errors[RequestForm.ResourceBlock] = Cut($"You can no longer ask for {resourceId}: {decision.Explanation}");
            return (null, errors);
        }
        foreach (var problem in decision.FieldProblems)
        {
            var block = problem.Field switch
            {
                "duration" => RequestForm.DurationBlock,
                "ticket" when ticket.Length == 0 => RequestForm.TicketBlock,
                _ => RequestForm.ReasonBlock,
            };
            errors.TryAdd(block, Cut(problem.Message));
        }
        if (duration is { } asked && preview.Durations is { } bounds && asked > bounds.Max)
            errors.TryAdd(RequestForm.DurationBlock, $"{resourceId} can be granted for at most {SlackText.Duration(bounds.Max)}. Ask for that or less.");
        if (errors.Count > 0) return (null, errors);
        return (new NewAccessRequest(origin.UserId, resourceId!, duration, reason, origin.ChannelId, origin.ChannelName), errors);
    }

    /// <summary>The reason as stored: what was written, with the ticket appended as "(ticket: INC-4312)"; null when neither was given.</summary>
    public static string? Reason(string reason, string ticket) =>
        (reason.Length, ticket.Length) switch
        {
            (0, 0) => null,
            (0, _) => $"(ticket: {ticket})",
            (_, 0) => reason,
            _ => $"{reason} (ticket: {ticket})",
        };

    async Task<CommandReply> ReplyAsync(Task<SubmitOutcome> submit, NewAccessRequest ask)
    {
        try
        {
            // Answered by direct message anyway, so it may as well say how the grant ended.
            var outcome = await (await submit).FinishedAsync();
            logger.LogInformation("Request form {ResourceId} by {UserId}: {Outcome} ({RequestId})",
                LogText.Safe(ask.ResourceId), LogText.Safe(ask.RequesterId), outcome.Request.State, outcome.Request.Id);
            return AccessReplies.From(outcome, time.GetUtcNow());
        }
        catch (Exception e)
        {
            logger.LogError(e, "Request form {ResourceId} by {UserId} could not be submitted", LogText.Safe(ask.ResourceId), LogText.Safe(ask.RequesterId));
            return AccessReplies.Trouble();
        }
    }

    static SlackAck Errors(string block, string message) => SlackAck.ViewErrors(new Dictionary<string, string> { [block] = message });

    static string Cut(string text) => Mrkdwn.Truncate(text, ErrorMax);
}
