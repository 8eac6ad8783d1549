using OrleansTasks.Uploads;

namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// Reads an upload's documents from a position, exactly as a JSON-lines file of a directory source is
/// read: the upload is one body whose path (in positions and in the ids of bad lines) is its id.
/// </summary>
public sealed class UploadCursor(IUploadStore store, Guid uploadId, SourcePosition? position, int maxDocumentBytes) : ISourceCursor
{
    private JsonLineEntries? _lines;

    /// <summary>The name an upload goes by in positions and in the ids of its bad lines.</summary>
    public static string PathOf(Guid uploadId) => uploadId.ToString();

    public SourcePosition? Position { get; private set; } = position;

    public string? CutShort => _lines?.CutShort;

    public async Task<SourceEntry?> NextAsync(CancellationToken cancellationToken)
    {
        if (_lines is null)
        {
            if (Position is { FileDone: true })
            {
                return null;
            }

            var stream = await store.OpenReadAsync(uploadId, cancellationToken)
                ?? throw new IOException($"The upload {uploadId} was removed while a task read it.");
            var lines = new LineReader(stream, Position?.Offset ?? 0, Position?.Line ?? 0, JsonLineEntries.MaxLineBytes(maxDocumentBytes));
            _lines = new JsonLineEntries(PathOf(uploadId), lines, maxDocumentBytes);
        }

        var entry = await _lines.NextAsync(cancellationToken);
        Position = _lines.Position;
        return entry;
    }

    public void Dispose() => _lines?.Dispose();
}
