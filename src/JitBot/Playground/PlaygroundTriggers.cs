using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace JitBot.Playground;

/// <summary>Where a <c>response_url</c> answers: the person it is for, the channel, and the message a click came from.</summary>
public sealed record PlaygroundHook(string User, string Channel, string? MessageTs);

/// <summary>
/// The <c>trigger_id</c>s and <c>response_url</c>s the playground puts in the commands and clicks it sends the bot,
/// as Slack does: a trigger opens one modal for the person who acted (one use); a response URL answers them in the
/// channel they acted in.
/// </summary>
public sealed class PlaygroundTriggers
{
    readonly ConcurrentDictionary<string, string> triggers = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, PlaygroundHook> hooks = new(StringComparer.Ordinal);

    public string NewTrigger(string user)
    {
        var id = $"{Environment.TickCount64}.{PlaygroundWorkspace.TeamId}.{RandomNumberGenerator.GetHexString(16, lowercase: true)}";
        triggers[id] = user;
        return id;
    }

    /// <summary>The person a trigger was made for, once; null for an unknown or used trigger.</summary>
    public string? Use(string trigger) => triggers.TryRemove(trigger, out var user) ? user : null;

    /// <summary>A new response URL path segment for <paramref name="hook"/>.</summary>
    public string NewResponseUrl(PlaygroundHook hook)
    {
        var id = RandomNumberGenerator.GetHexString(24, lowercase: true);
        hooks[id] = hook;
        return id;
    }

    public PlaygroundHook? ResponseUrl(string id) => hooks.GetValueOrDefault(id);
}
