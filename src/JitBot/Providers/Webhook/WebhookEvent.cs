using System.Text.Json.Serialization;

namespace JitBot.Providers.Webhook;

/// <summary>The JSON body of one webhook call: what happened to which grant (no secrets, no free text from the requester).</summary>
public sealed record WebhookEvent(
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("grant_id")] string GrantId,
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("resource")] string Resource,
    [property: JsonPropertyName("instance")] string Instance,
    [property: JsonPropertyName("parameters")] IReadOnlyDictionary<string, string> Parameters,
    [property: JsonPropertyName("granted_at")] DateTimeOffset GrantedAt,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("sent_at")] DateTimeOffset SentAt)
{
    public const string Grant = "grant";
    public const string Revoke = "revoke";
    public const string Check = "check";

    public static WebhookEvent For(string kind, ProviderGrant grant, DateTimeOffset now) =>
        new(kind, grant.GrantId, grant.RequestId, grant.UserId, grant.Resource.Id, grant.Instance, grant.Parameters,
            grant.GrantedAt, grant.ExpiresAt, now);
}
