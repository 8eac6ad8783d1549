namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// A streaming task's documents, slice by slice from its position. The cursor stays open between the
/// slices of one activation; a slice asked for at any other position (after a redone slice, a resumed
/// run) opens a new one there. A slice never holds one document id twice, so that one write of the
/// index never meets the same row twice: the second starts the next slice. A slice whose read fails
/// (an upload's stream whose connection broke) closes the cursor, so that the slice asked again is read
/// from its start rather than from wherever the failed read stopped.
/// </summary>
public sealed class SourceReader(int maxDocumentBytes, ISourceFileReader? files = null) : IDisposable
{
    private ISourceCursor? _cursor;
    private SourceEntry? _pending;
    private SourcePosition? _continuesAt;
    private bool _retryReadErrors = true;

    /// <summary>
    /// The next slice of a directory source. Without <paramref name="retryReadErrors"/> (the task's
    /// last attempt) a file's read error that may pass fails that file instead of the slice; an open
    /// cursor that read the other way is replaced by one at <paramref name="from"/>. The directories of
    /// <paramref name="notRetried"/> are listed without retrying their listing's errors.
    /// </summary>
    public Task<SourceSlice> NextSliceAsync(
        SourceLocation location, SourcePosition? from, int maxCount, long maxChars, CancellationToken cancellationToken,
        bool retryReadErrors = true, IReadOnlyCollection<string>? notRetried = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (_retryReadErrors != retryReadErrors)
        {
            _cursor?.Dispose();
            _cursor = null;
            _retryReadErrors = retryReadErrors;
        }

        return NextSliceAsync(position => new SourceCursor(location, position, maxDocumentBytes, files, retryReadErrors, notRetried), from, maxCount, maxChars, cancellationToken);
    }

    /// <summary>The next slice of the source <paramref name="open"/> opens a cursor on, at a position.</summary>
    public async Task<SourceSlice> NextSliceAsync(Func<SourcePosition?, ISourceCursor> open, SourcePosition? from, int maxCount, long maxChars, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(open);
        if (_cursor is null || _continuesAt != from)
        {
            _cursor?.Dispose();
            _cursor = open(from);
            _pending = null;
        }

        try
        {
            return await ReadSliceAsync(from, maxCount, maxChars, cancellationToken);
        }
        catch
        {
            // The cursor has read past entries the failed slice drops: the slice asked again must open a new one at its start.
            _cursor.Dispose();
            _cursor = null;
            _pending = null;
            throw;
        }
    }

    private async Task<SourceSlice> ReadSliceAsync(SourcePosition? from, int maxCount, long maxChars, CancellationToken cancellationToken)
    {
        var entries = new List<SourceEntry>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        long chars = 0;
        var next = from;
        while (entries.Count < maxCount)
        {
            var entry = _pending ?? await _cursor!.NextAsync(cancellationToken);
            _pending = null;
            if (entry is null)
            {
                _continuesAt = _cursor!.Position ?? next;
                return new SourceSlice(entries, _continuesAt, Ended: true, _cursor.CutShort);
            }

            var size = entry.Document?.Content.Length ?? 0;
            if (entries.Count > 0 && (chars + size > maxChars || !ids.Add(entry.Id)))
            {
                _pending = entry;
                break;
            }

            ids.Add(entry.Id);
            chars += size;
            entries.Add(entry);
            next = entry.After;
        }

        _continuesAt = next;
        return new SourceSlice(entries, next, Ended: false, _cursor!.CutShort);
    }

    public void Dispose() => _cursor?.Dispose();
}
