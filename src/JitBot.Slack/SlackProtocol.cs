namespace JitBot.Slack;

/// <summary>Constants of Slack's wire protocol.</summary>
public static class SlackProtocol
{
    public const string SignatureVersion = "v0";
    public const string SignatureHeader = "X-Slack-Signature";
    public const string TimestampHeader = "X-Slack-Request-Timestamp";
    public const string RetryNumHeader = "X-Slack-Retry-Num";
    public const string RetryReasonHeader = "X-Slack-Retry-Reason";
    public const string DefaultApiBaseUrl = "https://slack.com/api/";
}
