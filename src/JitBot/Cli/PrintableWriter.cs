using System.Text;
using JitBot.Common;

namespace JitBot.Cli;

/// <summary>
/// Writes to a terminal with control characters escaped (line breaks kept): whatever a policy file, a file
/// name or an argument holds, the tools cannot be made to recolour, move or hide their own output.
/// </summary>
public sealed class PrintableWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value) => Write(value.ToString());

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(string? value)
    {
        if (value is null) return;
        // The writer's own line ending (\r\n on Windows) stays a line ending.
        var newLine = inner.NewLine;
        inner.Write(PrintableText.Escape(value.Replace(newLine, "\n"), keepNewlines: true).Replace("\n", newLine));
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        inner.WriteLine();
    }

    public override void WriteLine() => inner.WriteLine();

    public override void Flush() => inner.Flush();
}
