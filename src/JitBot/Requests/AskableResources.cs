using JitBot.Common;
using JitBot.Policies;
using Microsoft.Extensions.Logging;

namespace JitBot.Requests;

/// <summary>
/// Resource ids a person could ask for right now, for examples in help: the current policy decides an ask for each
/// catalog resource (no duration, no reason) and keeps those a preview finds requestable (<see cref="AccessPreviews.Of"/>):
/// granted or sent for approval, possibly once a reason or ticket is given. Only the first <see cref="Candidates"/> ids of the catalog are tried,
/// so a large catalog costs the same as a small one.
/// </summary>
public sealed class AskableResources(IPolicySource policies, IGroupDirectory directory, TimeProvider time, ILogger<AskableResources> logger)
{
    public const int Candidates = 500;

    /// <summary>How long help waits for the person's group memberships before deciding without them.</summary>
    public static readonly TimeSpan GroupLookupBudget = TimeSpan.FromSeconds(1.5);

    public async Task<IReadOnlyList<string>> ForAsync(string userId, string? channelId, string? channelName, int max, CancellationToken cancellationToken)
    {
        var snapshot = policies.Current;
        if (snapshot.ResourceIds.Count == 0 || max <= 0) return [];

        IReadOnlyCollection<string> groups = [];
        if (snapshot.SlackUserGroupIds.Count > 0)
        {
            using var budget = new CancellationTokenSource(GroupLookupBudget, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
            try
            {
                groups = await directory.GroupsOfAsync(userId, snapshot.SlackUserGroupIds, linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // Examples only: without the groups some resources are left out, nothing is granted.
                logger.LogWarning(e, "Could not read the groups of {UserId} for help examples; choosing without them", LogText.Safe(userId));
            }
        }

        var scope = DecisionScope.Of(snapshot, new Principal(userId, groups), time.GetUtcNow(), channelId, channelName);
        var found = new List<string>(max);
        foreach (var id in snapshot.ResourceIds.Take(Candidates))
        {
            // Refused only for a missing reason or ticket still counts: asking with one is how to get it.
            if (AccessPreviews.Of(scope, id, null, withBounds: false).Requestable)
            {
                found.Add(id);
                if (found.Count == max) break;
            }
        }
        return found;
    }
}
