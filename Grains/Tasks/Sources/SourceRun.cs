using OrleansTasks.Uploads;

namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// The source side of a streaming task's run: its counting pass, turn by turn (each of about
/// <see cref="TasksOptions.SourceSliceBudget"/>), and its next slice
/// of entries from the position in the task's state. The source is checked against the roots again
/// once per activation (the configuration may have changed since the task was accepted); an upload
/// is read from <paramref name="uploads"/>, and checked to be there once per activation; a directory's files
/// through <paramref name="files"/>.
/// </summary>
public sealed class SourceRun(TasksOptions options, IUploadStore? uploads = null, ISourceFileReader? files = null) : IDisposable
{
    private readonly SourceReader _reader = new(options.MaxDocumentBytes, files);
    private SourceLocation? _location;
    private bool _uploadFound;

    /// <summary>
    /// Counts on for one turn; sets the task's total once the pass is over. Returns the error that ends the task, if any.
    /// While <paramref name="retryListingErrors"/>, a directory whose listing fails for now throws a
    /// <see cref="SourceReadException"/> and the turn counts nothing (see <see cref="SourceCounter"/>).
    /// </summary>
    public async Task<TaskError?> CountNextAsync(IndexTaskState task, TaskSource source, bool retryListingErrors = true)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(source);
        if (Locate(source) is not { } location)
        {
            return SourceErrors.Unreadable(source);
        }

        var count = await SourceCounter.CountAsync(location, source.CountPosition, options.SourceSliceBudget, CancellationToken.None, files, retryListingErrors);
        source.CountedSoFar += count.Counted;
        source.CountPosition = count.Next;
        if (count.GaveUp is { Count: > 0 } gaveUp)
        {
            (source.CountGaveUp ??= []).AddRange(gaveUp);
        }

        if (source.CountedSoFar > options.MaxSourceDocuments)
        {
            return SourceErrors.TooLarge(options.MaxSourceDocuments);
        }

        if (count.Done)
        {
            source.Counted = true;
            task.Total = (int)source.CountedSoFar;
            task.Message = TaskMessages.Indexing(task.Current, task.Total);
        }

        return null;
    }

    /// <summary>
    /// The next entries from the task's position, at most <paramref name="maxCount"/>; null when the
    /// source can no longer be read. On the task's last attempt (<paramref name="retryReadErrors"/>
    /// false) a directory's file that cannot be read for now fails as its document instead of the slice,
    /// and a directory that cannot be listed for now becomes one failed entry standing for its files (the slice says it is
    /// cut short: <see cref="SourceSlice.CutShort"/>). So does, at any attempt, a directory the count already gave up on
    /// (<see cref="TaskSource.CountGaveUp"/>): it is listed once more, not retried.
    /// </summary>
    public async Task<SourceSlice?> NextSliceAsync(TaskSource source, int maxCount, bool retryReadErrors = true)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Upload is { } upload)
        {
            return uploads is not null && (_uploadFound || await uploads.FindAsync(upload, CancellationToken.None) is { Completed: true })
                ? await NextUploadSliceAsync(uploads, upload, source.Position, maxCount)
                : null;
        }

        return Locate(source) is { } location
            ? await _reader.NextSliceAsync(location, source.Position, maxCount, SliceSizer.MaxContentChars, CancellationToken.None, retryReadErrors, source.CountGaveUp)
            : null;
    }

    /// <summary>Takes the position after an indexed slice into the state (in memory: the caller persists it with the task's progress).</summary>
    public static void Advance(IndexTaskState task, TaskSource source, SourceSlice slice)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(slice);
        source.Position = slice.Next;
        source.Ended = slice.Ended;

        // The source may have grown since it was counted: the total never falls behind what was read.
        task.Total = Math.Max(task.Total, task.Current);
        task.Message = TaskMessages.Indexing(task.Current, task.Total);
    }

    public void Dispose() => _reader.Dispose();

    private Task<SourceSlice> NextUploadSliceAsync(IUploadStore store, Guid upload, SourcePosition? from, int maxCount)
    {
        _uploadFound = true;
        return _reader.NextSliceAsync(
            position => new UploadCursor(store, upload, position, options.MaxDocumentBytes), from, maxCount, SliceSizer.MaxContentChars, CancellationToken.None);
    }

    private SourceLocation? Locate(TaskSource source)
    {
        try
        {
            return _location ??= SourceLocation.Resolve(source.Spec, options.SourceRoots);
        }
        catch (InvalidTaskRequestException)
        {
            return null;
        }
    }
}
