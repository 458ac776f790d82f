using System.Globalization;
using System.Text.Json.Nodes;

namespace JitBot.Playground;

/// <summary>A person the page can act as: a policy's person with a made-up email, and the groups the playground puts them in.</summary>
public sealed record PlaygroundPerson(string Id, string Name, string Email, IReadOnlyDictionary<string, IReadOnlyList<string>> Tags);

/// <summary>One message as Slack would show it. <see cref="VisibleTo"/> is set for an ephemeral message.</summary>
public sealed class PlaygroundMessage
{
    public required string Ts { get; init; }
    public required string From { get; init; }
    public string? VisibleTo { get; init; }
    public string Text { get; set; } = "";
    public JsonNode? Blocks { get; set; }
    public bool Edited { get; set; }
}

/// <summary>A channel, or a person's direct messages with the bot (<see cref="DmOf"/>).</summary>
public sealed class PlaygroundConversation(string id, string name, string? dmOf)
{
    public string Id { get; } = id;
    public string Name { get; } = name;
    public string? DmOf { get; } = dmOf;
    public List<PlaygroundMessage> Messages { get; } = [];
}

/// <summary>A modal open for a person: the view as the bot last sent it, and the hash it must quote to change it.</summary>
public sealed record PlaygroundModal(string Id, string Hash, JsonObject View, string? Errors = null);

/// <summary>
/// Everything the playground's Slack holds, kept on the server so a browser refresh loses nothing: the people,
/// channels and direct messages with their messages (updated in place, ephemerals per person), the user groups,
/// each person's open modals and Home tab, and the problems that stopped the bot. Every change bumps
/// <see cref="Version"/>, which the page polls. All access goes through one lock.
/// </summary>
public sealed class PlaygroundWorkspace
{
    public const string TeamId = "T0PLAYGND";
    public const string AppId = "A0PLAYGND";
    public const string BotId = "B0PLAYGND";
    public const string BotUserId = "U0JITBOT";
    public const string GeneralChannel = "general";

    readonly object gate = new();
    readonly List<PlaygroundPerson> people = [];
    readonly Dictionary<string, PlaygroundConversation> conversations = new(StringComparer.Ordinal);
    readonly Dictionary<string, HashSet<string>> groups = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> groupHandles = new(StringComparer.Ordinal);
    readonly Dictionary<string, List<PlaygroundModal>> modals = new(StringComparer.Ordinal);
    readonly Dictionary<string, JsonObject> homes = new(StringComparer.Ordinal);
    readonly List<string> problems = [];
    long version;
    long ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds() * 1_000_000;
    int channelCount;
    int viewCount;

    public PlaygroundWorkspace() => Channel("#" + GeneralChannel);

    public long Version
    {
        get { lock (gate) return version; }
    }

    /// <summary>Why the bot did not start (shown on the page); empty while it runs.</summary>
    public IReadOnlyList<string> Problems
    {
        get { lock (gate) return problems.ToList(); }
    }

    public void SetProblems(IEnumerable<string> lines) => Change(() => problems.AddRange(lines));

    public void AddPerson(PlaygroundPerson person) => Change(() => people.Add(person));

    public IReadOnlyList<PlaygroundPerson> People
    {
        get { lock (gate) return people.ToList(); }
    }

    public PlaygroundPerson? Person(string id)
    {
        lock (gate) return people.FirstOrDefault(p => p.Id == id);
    }

    public void SetGroup(string id, string handle, IEnumerable<string> members) =>
        Change(() => { groups[id] = new HashSet<string>(members, StringComparer.Ordinal); groupHandles[id] = handle; });

    /// <summary>The members of a user group, or null when there is no such group.</summary>
    public IReadOnlyList<string>? GroupMembers(string id)
    {
        lock (gate) return groups.TryGetValue(id, out var members) ? members.Order(StringComparer.Ordinal).ToList() : null;
    }

    /// <summary>Replaces a group's members (<c>usergroups.users.update</c>); false when there is no such group.</summary>
    public bool ReplaceGroup(string id, IEnumerable<string> members)
    {
        lock (gate)
        {
            if (!groups.TryGetValue(id, out var current)) return false;
            current.Clear();
            current.UnionWith(members);
            version++;
            return true;
        }
    }

    /// <summary>
    /// The conversation Slack would post to for <paramref name="channel"/>: <c>#name</c> or a channel id (made if
    /// new), a person's id (their direct messages with the bot) or a direct-message id.
    /// </summary>
    public PlaygroundConversation Channel(string channel)
    {
        lock (gate)
        {
            if (conversations.TryGetValue(channel, out var known)) return known;
            if (channel.StartsWith('U') || channel.StartsWith('D'))
            {
                var user = "U" + channel[1..];
                var dmId = "D" + channel[1..];
                if (conversations.TryGetValue(dmId, out var dm)) return dm;
                version++;
                return conversations[dmId] = new PlaygroundConversation(dmId, "JitBot", user);
            }
            var name = channel.TrimStart('#');
            if (conversations.Values.FirstOrDefault(c => c.DmOf is null && c.Name == name) is { } named) return named;
            var id = channel.StartsWith('C') && !channel.Contains('-') && channel == channel.ToUpperInvariant()
                ? channel
                : "C" + (++channelCount).ToString("D7", CultureInfo.InvariantCulture);
            version++;
            return conversations[id] = new PlaygroundConversation(id, name, null);
        }
    }

    public PlaygroundConversation? FindConversation(string id)
    {
        lock (gate) return conversations.GetValueOrDefault(id);
    }

    /// <summary>A message's text and whether it is ephemeral, or null when there is no such message.</summary>
    public (string Text, bool Ephemeral)? FindMessage(string channel, string ts)
    {
        lock (gate)
            return conversations.GetValueOrDefault(channel)?.Messages.FirstOrDefault(m => m.Ts == ts) is { } m ? (m.Text, m.VisibleTo is not null) : null;
    }

    public string NextTs()
    {
        lock (gate)
        {
            // Slack's ts is the posting time in microseconds, unique per channel: now, or one past the last one.
            var n = ts = Math.Max(ts + 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000);
            return (n / 1_000_000).ToString(CultureInfo.InvariantCulture) + "." + (n % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Adds a message (an ephemeral one when <paramref name="visibleTo"/> is set) and answers its ts.</summary>
    public string Post(string channel, string from, string? text, JsonNode? blocks, string? visibleTo = null)
    {
        var conversation = Channel(channel);
        var message = new PlaygroundMessage { Ts = NextTs(), From = from, VisibleTo = visibleTo, Text = text ?? "", Blocks = blocks?.DeepClone() };
        Change(() => conversation.Messages.Add(message));
        return message.Ts;
    }

    /// <summary>Replaces a message's text and blocks; false when there is no such message.</summary>
    public bool Update(string channel, string ts, string? text, JsonNode? blocks)
    {
        lock (gate)
        {
            var message = Channel(channel).Messages.FirstOrDefault(m => m.Ts == ts);
            if (message is null) return false;
            message.Text = text ?? "";
            message.Blocks = blocks?.DeepClone();
            message.Edited = true;
            version++;
            return true;
        }
    }

    public bool Delete(string channel, string ts)
    {
        lock (gate)
        {
            var removed = Channel(channel).Messages.RemoveAll(m => m.Ts == ts) > 0;
            if (removed) version++;
            return removed;
        }
    }

    /// <summary>Opens a modal for <paramref name="user"/> on top of any open ones (<c>views.open</c>, <c>push</c>).</summary>
    public PlaygroundModal OpenModal(string user, JsonObject view)
    {
        lock (gate)
        {
            var modal = new PlaygroundModal("V" + (++viewCount).ToString("D8", CultureInfo.InvariantCulture), NewHash(), (JsonObject)view.DeepClone());
            if (!modals.TryGetValue(user, out var stack)) modals[user] = stack = [];
            stack.Add(modal);
            version++;
            return modal;
        }
    }

    /// <summary>Replaces an open modal (<c>views.update</c>); null when it is not open, or the hash given is not its current one.</summary>
    public PlaygroundModal? UpdateModal(string viewId, string? hash, JsonObject view, out string? error)
    {
        lock (gate)
        {
            foreach (var stack in modals.Values)
            {
                var at = stack.FindIndex(m => m.Id == viewId);
                if (at < 0) continue;
                if (hash is not null && hash != stack[at].Hash) { error = "hash_conflict"; return null; }
                stack[at] = new PlaygroundModal(viewId, NewHash(), (JsonObject)view.DeepClone());
                version++;
                error = null;
                return stack[at];
            }
            error = "not_found";
            return null;
        }
    }

    public void SetModalErrors(string viewId, string errors) => Change(() =>
    {
        foreach (var stack in modals.Values)
            for (var i = 0; i < stack.Count; i++)
                if (stack[i].Id == viewId) stack[i] = stack[i] with { Errors = errors };
    });

    /// <summary>Closes the top modal, or every one (<paramref name="all"/>).</summary>
    public void CloseModal(string user, string viewId, bool all) => Change(() =>
    {
        if (!modals.TryGetValue(user, out var stack)) return;
        if (all) stack.Clear();
        else stack.RemoveAll(m => m.Id == viewId);
    });

    public PlaygroundModal? Modal(string user, string viewId)
    {
        lock (gate) return modals.GetValueOrDefault(user)?.FirstOrDefault(m => m.Id == viewId);
    }

    public (string Id, string Hash) PublishHome(string user, JsonObject view)
    {
        Change(() => homes[user] = (JsonObject)view.DeepClone());
        return ("VHOME" + user, NewHash());
    }

    /// <summary>What the page shows to <paramref name="viewer"/>: their channels, DMs, ephemerals, modals and Home tab.</summary>
    public JsonObject Snapshot(string? viewer)
    {
        lock (gate)
        {
            var names = new JsonObject();
            foreach (var p in people) names[p.Id] = p.Name;
            names[BotUserId] = "JitBot";
            var channels = new JsonObject();
            foreach (var c in conversations.Values.Where(c => c.DmOf is null)) channels[c.Id] = c.Name;
            var list = new JsonArray();
            foreach (var c in conversations.Values.Where(c => c.DmOf is null || c.DmOf == viewer).OrderBy(c => c.DmOf is not null).ThenBy(c => c.Name, StringComparer.Ordinal))
            {
                var messages = new JsonArray();
                foreach (var m in c.Messages.Where(m => m.VisibleTo is null || m.VisibleTo == viewer))
                    messages.Add(new JsonObject
                    {
                        ["ts"] = m.Ts, ["from"] = m.From, ["ephemeral"] = m.VisibleTo is not null, ["text"] = m.Text,
                        ["blocks"] = m.Blocks?.DeepClone(), ["edited"] = m.Edited,
                    });
                list.Add(new JsonObject { ["id"] = c.Id, ["name"] = c.Name, ["dm"] = c.DmOf is not null, ["messages"] = messages });
            }
            var openModals = new JsonArray();
            foreach (var m in viewer is null ? [] : modals.GetValueOrDefault(viewer) ?? [])
                openModals.Add(new JsonObject { ["id"] = m.Id, ["view"] = m.View.DeepClone(), ["errors"] = m.Errors });
            var peopleList = new JsonArray();
            foreach (var p in people)
                peopleList.Add(new JsonObject
                {
                    ["id"] = p.Id, ["name"] = p.Name, ["email"] = p.Email,
                    ["tags"] = string.Join(", ", p.Tags.Select(t => $"{t.Key}: {string.Join("/", t.Value)}")),
                    ["groups"] = new JsonArray(groups.Where(g => g.Value.Contains(p.Id)).Select(g => (JsonNode)JsonValue.Create(groupHandles[g.Key])!).ToArray()),
                });
            var groupNames = new JsonObject();
            foreach (var (id, handle) in groupHandles) groupNames[id] = handle;
            return new JsonObject
            {
                ["version"] = version, ["problems"] = new JsonArray(problems.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray()),
                ["people"] = peopleList, ["names"] = names, ["channelNames"] = channels, ["groups"] = groupNames,
                ["conversations"] = list, ["modals"] = openModals,
                ["home"] = viewer is not null && homes.TryGetValue(viewer, out var home) ? home.DeepClone() : null,
            };
        }
    }

    static string NewHash() => Guid.NewGuid().ToString("N")[..16];

    void Change(Action change)
    {
        lock (gate)
        {
            change();
            version++;
        }
    }
}
