namespace JitBot.Slack;

/// <summary>Marker for the Slack wire-protocol assembly.</summary>
public static class SlackProtocol
{
    public const string SignatureVersion = "v0";
}
