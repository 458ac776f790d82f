using System.Text.Json.Serialization;

namespace JitBot.Slack.BlockKit;

/// <summary>
/// A view: a modal (<c>views.open</c>, <c>views.update</c>, a <c>response_action</c>) or an App Home tab
/// (<c>views.publish</c>). <see cref="Type"/> is <c>modal</c> or <c>home</c>; build one with <see cref="Views"/>.
/// </summary>
public sealed record View(string Type, IReadOnlyList<Block> Blocks)
{
    public const string ModalType = "modal";
    public const string HomeType = "home";

    /// <summary>A modal's title (plain text, at most 24 characters); a Home tab has none.</summary>
    public TextObject? Title { get; init; }
    public TextObject? Submit { get; init; }
    public TextObject? Close { get; init; }
    public string? CallbackId { get; init; }
    public string? PrivateMetadata { get; init; }
    public string? ExternalId { get; init; }
    public bool? ClearOnClose { get; init; }

    /// <summary>When true, Slack sends <c>view_closed</c> when the person cancels the modal.</summary>
    public bool? NotifyOnClose { get; init; }
}

/// <summary>An <c>input</c> block: a label and one element whose value arrives in <c>view.state.values</c>.</summary>
public sealed record InputBlock(TextObject Label, BlockElement Element) : Block
{
    public TextObject? Hint { get; init; }
    public bool? Optional { get; init; }
    public bool? DispatchAction { get; init; }
}

/// <summary>One choice of a select menu; <see cref="Value"/> comes back as <c>selected_option.value</c>.</summary>
public sealed record OptionObject(TextObject Text, string Value)
{
    public TextObject? Description { get; init; }
}

public sealed record OptionGroup(TextObject Label, IReadOnlyList<OptionObject> Options);

public sealed record PlainTextInputElement(string ActionId) : BlockElement
{
    public TextObject? Placeholder { get; init; }
    public string? InitialValue { get; init; }
    public bool? Multiline { get; init; }
    public int? MinLength { get; init; }
    public int? MaxLength { get; init; }
}

/// <summary>A select menu with its options in the view (<see cref="Options"/> or <see cref="OptionGroups"/>, not both).</summary>
public sealed record StaticSelectElement(string ActionId) : BlockElement
{
    public TextObject? Placeholder { get; init; }
    public IReadOnlyList<OptionObject>? Options { get; init; }
    public IReadOnlyList<OptionGroup>? OptionGroups { get; init; }
    public OptionObject? InitialOption { get; init; }
}

/// <summary>
/// A select menu whose options JitBot sends as the person types: Slack posts <c>block_suggestion</c> to the
/// options load URL (<c>/slack/options</c>) and shows the <see cref="Dispatch.SlackAck.Options(IReadOnlyList{OptionObject})"/> answer.
/// </summary>
public sealed record ExternalSelectElement(string ActionId) : BlockElement
{
    public TextObject? Placeholder { get; init; }
    public OptionObject? InitialOption { get; init; }
    public int? MinQueryLength { get; init; }
}

/// <summary>Slack's published limits for views and their inputs.</summary>
public static class ViewLimits
{
    public const int BlocksPerView = 100;
    public const int Title = 24;
    public const int Button = 24;
    public const int CallbackId = 255;
    public const int PrivateMetadata = 3000;
    public const int Label = 2000;
    public const int Hint = 2000;
    public const int Placeholder = 150;
    public const int InputMaxLength = 3000;
    public const int OptionText = 75;
    public const int OptionValue = 150;
    public const int OptionDescription = 75;
    public const int Options = 100;
    public const int OptionGroups = 100;
    public const int OptionGroupLabel = 75;
}

/// <summary>Builders for views, input blocks and options that keep every part within <see cref="ViewLimits"/>.</summary>
public static class Views
{
    /// <summary>A modal. <paramref name="submit"/> is required by Slack when the modal has an input block.</summary>
    public static View Modal(string title, string callbackId, IEnumerable<Block?> blocks, string? submit = "Submit",
        string close = "Cancel", string? privateMetadata = null) =>
        new(View.ModalType, Limit(blocks))
        {
            Title = Plain(title, ViewLimits.Title),
            Submit = submit is null ? null : Plain(submit, ViewLimits.Button),
            Close = Plain(close, ViewLimits.Button),
            CallbackId = Cut(callbackId, ViewLimits.CallbackId),
            PrivateMetadata = privateMetadata is { Length: > ViewLimits.PrivateMetadata }
                ? throw new ArgumentException($"private_metadata is limited to {ViewLimits.PrivateMetadata} characters.", nameof(privateMetadata))
                : privateMetadata,
        };

    /// <summary>An App Home tab.</summary>
    public static View Home(IEnumerable<Block?> blocks, string? callbackId = null) =>
        new(View.HomeType, Limit(blocks)) { CallbackId = callbackId is null ? null : Cut(callbackId, ViewLimits.CallbackId) };

    public static InputBlock Input(string blockId, string label, BlockElement element, string? hint = null, bool optional = false) =>
        new(Plain(label, ViewLimits.Label), element)
        {
            BlockId = Cut(blockId, BlockLimits.Id),
            Hint = hint is null ? null : Plain(hint, ViewLimits.Hint),
            Optional = optional ? true : null,
        };

    public static PlainTextInputElement TextInput(string actionId, string? placeholder = null, string? initialValue = null,
        bool multiline = false, int? maxLength = null) =>
        new(Cut(actionId, BlockLimits.Id))
        {
            Placeholder = placeholder is null ? null : Plain(placeholder, ViewLimits.Placeholder),
            InitialValue = initialValue,
            Multiline = multiline ? true : null,
            MaxLength = maxLength is { } m ? Math.Clamp(m, 1, ViewLimits.InputMaxLength) : null,
        };

    public static StaticSelectElement Select(string actionId, IEnumerable<OptionObject> options, string? placeholder = null,
        OptionObject? initial = null) =>
        new(Cut(actionId, BlockLimits.Id))
        {
            Options = options.Take(ViewLimits.Options).ToList(),
            Placeholder = placeholder is null ? null : Plain(placeholder, ViewLimits.Placeholder),
            InitialOption = initial,
        };

    public static StaticSelectElement Select(string actionId, IEnumerable<OptionGroup> groups, string? placeholder = null,
        OptionObject? initial = null) =>
        new(Cut(actionId, BlockLimits.Id))
        {
            OptionGroups = groups.Take(ViewLimits.OptionGroups).ToList(),
            Placeholder = placeholder is null ? null : Plain(placeholder, ViewLimits.Placeholder),
            InitialOption = initial,
        };

    public static ExternalSelectElement ExternalSelect(string actionId, string? placeholder = null, int minQueryLength = 0,
        OptionObject? initial = null) =>
        new(Cut(actionId, BlockLimits.Id))
        {
            Placeholder = placeholder is null ? null : Plain(placeholder, ViewLimits.Placeholder),
            MinQueryLength = minQueryLength,
            InitialOption = initial,
        };

    /// <summary>
    /// An option. The value must fit (at most 150 characters): a value cut short would name something else, so a
    /// longer one is refused rather than truncated.
    /// </summary>
    public static OptionObject Option(string text, string value, string? description = null) =>
        new(Plain(text, ViewLimits.OptionText), value.Length is > 0 and <= ViewLimits.OptionValue
            ? value
            : throw new ArgumentException($"An option's value must be 1-{ViewLimits.OptionValue} characters.", nameof(value)))
        {
            Description = description is null ? null : Plain(description, ViewLimits.OptionDescription),
        };

    public static OptionGroup Group(string label, IEnumerable<OptionObject> options) =>
        new(Plain(label, ViewLimits.OptionGroupLabel), options.Take(ViewLimits.Options).ToList());

    static IReadOnlyList<Block> Limit(IEnumerable<Block?> blocks) => blocks.OfType<Block>().Take(ViewLimits.BlocksPerView).ToList();

    static TextObject Plain(string text, int max) =>
        TextObject.Plain(Mrkdwn.Truncate(string.IsNullOrWhiteSpace(text) ? " " : text, max));

    static string Cut(string id, int max) => id.Length <= max ? id : id[..max];
}
