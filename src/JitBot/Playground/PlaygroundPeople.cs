using JitBot.Policies;

namespace JitBot.Playground;

/// <summary>
/// Who is in the playground's Slack: the people the policy lists (its names, or their ids), each with a made-up
/// email, and the policy's user groups, each holding the people whose <c>team</c> tag is the group's (a group
/// without a <c>team</c> tag holds nobody). In a real workspace Slack says who is in a group; here the policy's tags
/// stand in for it, so a team's on-call group holds the whole team.
/// </summary>
public static class PlaygroundPeople
{
    public const string EmailDomain = "playground.example";

    public static IEnumerable<PlaygroundPerson> From(PolicySnapshot snapshot) =>
        snapshot.People.Select(p =>
        {
            var name = string.IsNullOrWhiteSpace(p.Name) ? p.SlackId : p.Name;
            return new PlaygroundPerson(p.SlackId, name, $"{name.ToLowerInvariant()}@{EmailDomain}", snapshot.PersonTags(p.SlackId));
        });

    public static IEnumerable<(string Id, string Handle, IReadOnlyList<string> Members)> Groups(PolicySnapshot snapshot)
    {
        foreach (var group in snapshot.Catalog.Model.Groups)
        {
            var teams = group.Tags.GetValueOrDefault("team") ?? [];
            var members = snapshot.People
                .Where(p => snapshot.PersonTags(p.SlackId).GetValueOrDefault("team") is { } theirs && theirs.Intersect(teams).Any())
                .Select(p => p.SlackId)
                .ToList();
            yield return (group.Id, group.Handle, members);
        }
    }
}
