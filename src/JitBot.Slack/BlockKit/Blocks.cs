using System.Text.Json.Serialization;

namespace JitBot.Slack.BlockKit;

/// <summary>
/// The Block Kit parts JitBot uses, hand-written and nothing more. Serialize with <see cref="SlackJson.Options"/>
/// as <c>IReadOnlyList&lt;Block&gt;</c> so that each block carries its <c>type</c>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(HeaderBlock), "header")]
[JsonDerivedType(typeof(SectionBlock), "section")]
[JsonDerivedType(typeof(ContextBlock), "context")]
[JsonDerivedType(typeof(ActionsBlock), "actions")]
[JsonDerivedType(typeof(DividerBlock), "divider")]
[JsonDerivedType(typeof(InputBlock), "input")]
public abstract record Block
{
    [JsonPropertyOrder(10)]
    public string? BlockId { get; init; }
}

/// <summary>A text object: <c>mrkdwn</c> or <c>plain_text</c>.</summary>
public sealed record TextObject(string Type, string Text)
{
    public bool? Emoji { get; init; }
    public static TextObject Mrkdwn(string text) => new("mrkdwn", text);
    public static TextObject Plain(string text) => new("plain_text", text) { Emoji = true };
}

public sealed record HeaderBlock(TextObject Text) : Block;

public sealed record SectionBlock(TextObject? Text, IReadOnlyList<TextObject>? Fields = null) : Block;

public sealed record ContextBlock(IReadOnlyList<TextObject> Elements) : Block;

public sealed record ActionsBlock(IReadOnlyList<BlockElement> Elements) : Block;

public sealed record DividerBlock : Block;

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ButtonElement), "button")]
[JsonDerivedType(typeof(PlainTextInputElement), "plain_text_input")]
[JsonDerivedType(typeof(StaticSelectElement), "static_select")]
[JsonDerivedType(typeof(ExternalSelectElement), "external_select")]
public abstract record BlockElement;

public sealed record ButtonElement(TextObject Text, string ActionId, string? Value = null, string? Style = null) : BlockElement
{
    public ConfirmDialog? Confirm { get; init; }
}

public sealed record ConfirmDialog(TextObject Title, TextObject Text, TextObject Confirm, TextObject Deny)
{
    public string? Style { get; init; }
}

/// <summary>Slack's published Block Kit limits that JitBot's builders respect.</summary>
public static class BlockLimits
{
    public const int BlocksPerMessage = 50;
    public const int SectionText = 3000;
    public const int SectionFields = 10;
    public const int FieldText = 2000;
    public const int HeaderText = 150;
    public const int ContextElements = 10;
    public const int ActionsElements = 25;
    public const int ButtonText = 75;
    public const int ButtonValue = 2000;
    public const int Id = 255;
    public const int ConfirmTitle = 100;
    public const int ConfirmText = 300;
    public const int ConfirmButton = 30;
    public const int FallbackText = 4000;
}

/// <summary>Builders that keep every part within <see cref="BlockLimits"/>. Text passed in is mrkdwn already escaped.</summary>
public static class Blocks
{
    public static HeaderBlock Header(string plainText) =>
        new(TextObject.Plain(Mrkdwn.Truncate(plainText, BlockLimits.HeaderText)));

    public static SectionBlock Section(string mrkdwn) =>
        new(TextObject.Mrkdwn(Mrkdwn.Truncate(NonEmpty(mrkdwn), BlockLimits.SectionText)));

    public static SectionBlock Fields(params IEnumerable<string> mrkdwnFields) =>
        new(null, mrkdwnFields.Take(BlockLimits.SectionFields)
            .Select(f => TextObject.Mrkdwn(Mrkdwn.Truncate(NonEmpty(f), BlockLimits.FieldText))).ToList());

    public static ContextBlock Context(params IEnumerable<string> mrkdwn) =>
        new(mrkdwn.Take(BlockLimits.ContextElements)
            .Select(t => TextObject.Mrkdwn(Mrkdwn.Truncate(NonEmpty(t), BlockLimits.SectionText))).ToList());

    public static DividerBlock Divider() => new();

    public static ActionsBlock Actions(string? blockId, params IEnumerable<BlockElement> elements) =>
        new(elements.Take(BlockLimits.ActionsElements).ToList()) { BlockId = Id(blockId) };

    public static ButtonElement Button(string text, string actionId, string? value = null, string? style = null,
        ConfirmDialog? confirm = null) =>
        new(TextObject.Plain(Mrkdwn.Truncate(text, BlockLimits.ButtonText)), Id(actionId)!,
            value is null ? null : Mrkdwn.Truncate(value, BlockLimits.ButtonValue), style)
        { Confirm = confirm };

    public static ConfirmDialog Confirm(string title, string mrkdwnText, string confirm, string deny, string? style = null) =>
        new(TextObject.Plain(Mrkdwn.Truncate(title, BlockLimits.ConfirmTitle)),
            TextObject.Mrkdwn(Mrkdwn.Truncate(NonEmpty(mrkdwnText), BlockLimits.ConfirmText)),
            TextObject.Plain(Mrkdwn.Truncate(confirm, BlockLimits.ConfirmButton)),
            TextObject.Plain(Mrkdwn.Truncate(deny, BlockLimits.ConfirmButton)))
        { Style = style };

    /// <summary>A message's blocks, cut to the 50-block limit.</summary>
    public static IReadOnlyList<Block> Message(params IEnumerable<Block?> blocks) =>
        blocks.OfType<Block>().Take(BlockLimits.BlocksPerMessage).ToList();

    static string? Id(string? id) => id is null ? null : id.Length <= BlockLimits.Id ? id : id[..BlockLimits.Id];

    static string NonEmpty(string text) => string.IsNullOrWhiteSpace(text) ? " " : text;
}
