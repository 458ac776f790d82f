using System.Text.Json.Nodes;

namespace JitBot.Tests.Manifest;

public class ManifestTests
{
    static readonly JsonSchemaSubset Schema = new(
        JsonNode.Parse(File.ReadAllText(RepoPaths.Of("manifest", "schema", "manifest.schema.1.0.0.json")))!.AsObject());

    static JsonObject LoadManifest(string file = "manifest.json") =>
        JsonNode.Parse(File.ReadAllText(RepoPaths.Of("manifest", file)))!.AsObject();

    [Theory]
    [InlineData("manifest.json")]
    [InlineData("manifest.socket-mode.json")]
    public void Manifest_IsValidAgainstSlacksSchema(string file)
    {
        var errors = Schema.Validate(LoadManifest(file));
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }

    [Fact]
    public void SocketModeManifest_IsTheHttpOne_WithSocketModeOn_AndNoRequestUrls()
    {
        var socket = LoadManifest("manifest.socket-mode.json");
        var http = LoadManifest();

        Assert.True(socket["settings"]!["socket_mode_enabled"]!.GetValue<bool>());
        Assert.False(http["settings"]!["socket_mode_enabled"]!.GetValue<bool>());
        Assert.DoesNotContain("url", socket.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        Assert.True(socket["settings"]!["interactivity"]!["is_enabled"]!.GetValue<bool>());

        // Everything else is the same app: the command, its hint, scopes, events, the Home tab.
        foreach (var o in (JsonObject[])[socket, http])
        {
            o["features"]!["slash_commands"]![0]!.AsObject().Remove("url");
            o["settings"]!["event_subscriptions"]!.AsObject().Remove("request_url");
            o["settings"]!["interactivity"] = new JsonObject { ["is_enabled"] = true };
            o["settings"]!.AsObject().Remove("socket_mode_enabled");
        }
        Assert.Equal(http.ToJsonString(), socket.ToJsonString());
    }

    [Fact]
    public void Manifest_DeclaresTheAccessCommandAndTheFourEndpoints()
    {
        var manifest = LoadManifest();
        var command = manifest["features"]!["slash_commands"]!.AsArray().Single()!;
        Assert.Equal("/access", command["command"]!.GetValue<string>());
        Assert.True(command["should_escape"]!.GetValue<bool>());
        Assert.EndsWith("/slack/commands", command["url"]!.GetValue<string>());
        Assert.EndsWith("/slack/interactions", manifest["settings"]!["interactivity"]!["request_url"]!.GetValue<string>());
        Assert.EndsWith("/slack/options", manifest["settings"]!["interactivity"]!["message_menu_options_url"]!.GetValue<string>());
        Assert.EndsWith("/slack/events", manifest["settings"]!["event_subscriptions"]!["request_url"]!.GetValue<string>());
        var scopes = manifest["oauth_config"]!["scopes"]!["bot"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray();
        Assert.Contains("commands", scopes);
        Assert.Contains("chat:write", scopes);
        Assert.Contains("usergroups:read", scopes);
    }

    [Fact]
    public void Manifest_AsksForUsergroupsWrite_SoTheSlackUserGroupProviderCanChangeMembership()
    {
        var scopes = LoadManifest()["oauth_config"]!["scopes"]!["bot"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray();

        Assert.Contains("usergroups:write", scopes);
    }

    [Fact]
    public void Manifest_HearsArchivedChannels_AndMayReadChannelMembers()
    {
        var manifest = LoadManifest();
        var events = manifest["settings"]!["event_subscriptions"]!["bot_events"]!.AsArray().Select(e => e!.GetValue<string>()).ToArray();
        var scopes = manifest["oauth_config"]!["scopes"]!["bot"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray();
        var usage = manifest["features"]!["slash_commands"]![0]!["usage_hint"]!.GetValue<string>();

        Assert.Contains("channel_archive", events);  // public channels (scope channels:read)
        Assert.Contains("group_archive", events);    // private channels (scope groups:read)
        Assert.Contains("channels:read", scopes);    // conversations.members on public channels
        Assert.Contains("groups:read", scopes);      // and on private ones
        Assert.Contains("users:read", scopes);       // users.info: bots and deactivated members
        Assert.Contains("incident", usage);
    }

    [Fact]
    public void Manifest_EnablesTheHomeTab_AndHearsItOpen()
    {
        var manifest = LoadManifest();
        var events = manifest["settings"]!["event_subscriptions"]!["bot_events"]!.AsArray().Select(e => e!.GetValue<string>()).ToArray();

        Assert.True(manifest["features"]!["app_home"]!["home_tab_enabled"]!.GetValue<bool>());
        Assert.Contains(JitBot.SlackApp.AppHomeOpenedHandler.Type, events);
    }

    [Theory]
    [InlineData("display_information.name", "\"a name far longer than thirty-five characters\"", "longer than")]
    [InlineData("features.slash_commands.0.command", "\"access\"", "does not match")]
    [InlineData("settings.interactivity.is_enabled", "\"yes\"", "expected")]
    [InlineData("display_information.colour", "\"#fff\"", "not allowed")]
    public void Validator_CatchesBrokenManifests(string path, string json, string expected)
    {
        var manifest = LoadManifest();
        Set(manifest, path, JsonNode.Parse(json));
        Assert.Contains(Schema.Validate(manifest), e => e.Contains(expected));
    }

    [Fact]
    public void Validator_RequiresDisplayInformation()
    {
        var manifest = LoadManifest();
        manifest.Remove("display_information");
        Assert.Contains(Schema.Validate(manifest), e => e.Contains("display_information"));
    }

    static void Set(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        JsonNode node = root;
        foreach (var part in parts[..^1]) node = int.TryParse(part, out var i) ? node[i]! : node[part]!;
        node[parts[^1]] = value;
    }
}
