namespace JitBot.SlackApp;

/// <summary>
/// Long lists in Slack messages (a digest, the result of a channel-wide grant): lines packed into mrkdwn sections
/// under Slack's 3,000 characters per section, and sections into messages under its 50 blocks per message.
/// </summary>
public static class MessageSections
{
    public const int SectionChars = 2800;
    public const int SectionsPerMessage = 40;

    /// <summary>The lines joined into sections, each at most <see cref="SectionChars"/> long; a longer line is cut.</summary>
    public static List<string> Pack(IEnumerable<string> lines)
    {
        var sections = new List<string>();
        var current = "";
        foreach (var line in lines)
        {
            var fitted = line.Length > SectionChars ? line[..SectionChars] : line;
            if (current.Length > 0 && current.Length + 1 + fitted.Length > SectionChars)
            {
                sections.Add(current);
                current = "";
            }
            current = current.Length == 0 ? fitted : current + "\n" + fitted;
        }
        if (current.Length > 0) sections.Add(current);
        return sections;
    }

    /// <summary>The sections grouped into messages of at most <see cref="SectionsPerMessage"/>.</summary>
    public static List<List<string>> Messages(IEnumerable<string> lines) =>
        Pack(lines).Chunk(SectionsPerMessage).Select(c => c.ToList()).ToList();
}
