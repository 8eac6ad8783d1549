namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// The entries of one JSON-lines body (a file of a directory source, an upload) named <paramref name="path"/>:
/// each non-blank line a document, or a failed entry naming its line number when it is not one.
/// </summary>
public sealed class JsonLineEntries(string path, LineReader lines, int maxDocumentBytes) : IDisposable
{
    /// <summary>A JSON line holds its content escaped: the longest line read allows for the escapes and the other fields.</summary>
    public static int MaxLineBytes(int maxDocumentBytes) => (maxDocumentBytes * 2) + 64 * 1024;

    /// <summary>The position after the last line read; the body's done position once it has no more.</summary>
    public SourcePosition? Position { get; private set; }

    /// <summary>Names the first line read whose document id could not be known (see <see cref="ParsedLine.IdUnknown"/>), or null.</summary>
    public string? CutShort { get; private set; }

    /// <summary>The next entry, or null at the end of the body.</summary>
    public async Task<SourceEntry?> NextAsync(CancellationToken cancellationToken)
    {
        while (await lines.ReadAsync(cancellationToken) is { } line)
        {
            Position = new SourcePosition(path, lines.Offset, lines.Line, FileDone: false);
            if (line.IsBlank)
            {
                continue;
            }

            var parsed = JsonLineDocument.Parse(line, maxDocumentBytes);
            if (parsed.IdUnknown)
            {
                CutShort ??= $"line {line.Number} of {path} could not be read far enough to know its document id";
            }

            return parsed.Document is { } document
                ? new SourceEntry(document.Id, document, null, Position)
                : new SourceEntry($"{path}:{line.Number}", null, $"Line {line.Number} of {path}: {parsed.Problem}.", Position) { FailedDocumentId = parsed.Id };
        }

        Position = SourcePosition.Done(path);
        return null;
    }

    public void Dispose() => lines.Dispose();
}
