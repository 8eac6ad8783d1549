using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OrleansTasks.Indexing;
using OrleansTasks.Storage;
using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Tasks;

/// <summary>
/// A task's run, slice by slice: the next documents from the task's position (its stored documents,
/// or its streaming source), sized by <see cref="SliceSizer"/> to <see cref="TasksOptions.SliceBudget"/>
/// (<see cref="TasksOptions.SourceSliceBudget"/> for a streaming source), indexed, their outcomes stored and
/// counted into the task's state. While the database's round trips are slow (<see cref="DatabaseRoundTrips"/>),
/// the task's message says that it waits for the database, and a task that starts then begins at the slice size
/// the silo's other tasks asked for (<see cref="SlowDatabaseSlices"/>).
/// </summary>
public sealed partial class TaskRun(
    Guid taskId,
    TaskChunkStores chunks,
    IncrementalIndexer indexer,
    TasksOptions options,
    ILogger logger,
    Uploads.IUploadStore? uploads = null,
    DatabaseRoundTrips? roundTrips = null,
    SlowDatabaseSlices? slowSlices = null,
    ISourceFileReader? sourceFiles = null) : IDisposable
{
    private SliceSizer? _sizer;

    public TaskDocuments Documents { get; } = new(chunks.Documents, taskId);

    public TaskResults Results { get; } = new(chunks.Results, taskId);

    public SourceRun Source { get; } = new(options, uploads, sourceFiles);

    public MissingDocuments Missing { get; } = new(indexer.Index, taskId);

    /// <summary>
    /// Indexes the next slice of <paramref name="task"/> and takes its outcomes into the state (in
    /// memory: the caller persists). The outcome says whether the index failed for good (the task
    /// ends) or transiently (the caller retries the slice by the task's policy), as does a source
    /// file's read or directory's listing failing with an I/O error that may pass (<see cref="SourceReadException"/>). A failure of the
    /// database (<see cref="TransientFaults.IsDatabaseOutage"/>), of the index or of the task's own
    /// records, throws: the caller waits for the database and retries the slice without counting
    /// an attempt, which could not be stored anyway.
    /// </summary>
    public async Task<SliceOutcome> IndexNextSliceAsync(IndexTaskState task, DateTimeOffset now, Action<TaskCounts> counted)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(counted);
        _sizer ??= NewSizer(task);
        var outcome = task.Source is { } source
            ? await IndexSourceSliceAsync(task, source, now, counted)
            : await IndexStoredSliceAsync(task, now, counted);
        if (outcome == SliceOutcome.Indexed && _sizer.DatabaseSlow)
        {
            task.Message = TaskMessages.WaitingForSlowDatabase(task.Current, task.Total);
        }

        return outcome;
    }

    /// <summary>
    /// One turn of a streaming task's counting pass (<see cref="SourceRun.CountNextAsync"/>). A directory whose listing
    /// fails with an I/O error that may pass is a transient failure, retried by the task's policy as a slice's is; at the
    /// task's last attempt the count gives it up instead, counting it as one failed entry (<see cref="SourceCounter"/>). A turn that went through starts
    /// the next step at attempt 1, as a slice that succeeds does.
    /// </summary>
    public async Task<SliceOutcome> CountNextAsync(IndexTaskState task, TaskSource source)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            if (await Source.CountNextAsync(task, source, retryListingErrors: !LastAttempt(task)) is { } error)
            {
                return new SliceOutcome(error);
            }
        }
        catch (SourceReadException exception)
        {
            // Nothing of the turn was kept: tried again, it counts again from the count's stored position.
            SourceReadFailedTransiently(logger, exception, taskId, exception.Path, task.FailedAttempts + 1, exception.Reason);
            return new SliceOutcome(TransientFailure: exception);
        }

        TaskTransitions.CountTurnSucceeded(task);
        return SliceOutcome.Counted;
    }

    public void Dispose() => Source.Dispose();

    /// <summary>Whether the step now tried is the task's last attempt: then a source's read or listing error that may pass no longer fails the step.</summary>
    private bool LastAttempt(IndexTaskState task) =>
        SliceRetries.Exhausted(task.Retry ?? options.Retry.Resolve(null), task.FailedAttempts + 1);

    /// <summary>A sizer that starts, while the database is slow now, at the size this silo's other tasks of its budget last asked for against it.</summary>
    private SliceSizer NewSizer(IndexTaskState task)
    {
        var sizer = new SliceSizer(task.Source is null ? options.SliceBudget : options.SourceSliceBudget, options.SlowDatabaseRoundTrip);
        if (roundTrips?.SlowNow(options.SlowDatabaseRoundTrip) == true && slowSlices?.Recall(sizer.Budget) is { } asked)
        {
            sizer.StartAt(asked);
        }

        return sizer;
    }

    private async Task<SliceOutcome> IndexStoredSliceAsync(IndexTaskState task, DateTimeOffset now, Action<TaskCounts> counted)
    {
        var requested = _sizer!.NextCount();
        var documents = await Documents.NextSliceAsync(task, requested);
        if (documents is null)
        {
            return new SliceOutcome(TaskErrors.Missing());
        }

        var (results, failure) = await IndexAsync(task, documents, requested);
        if (failure is not null)
        {
            return failure;
        }

        await RecordAsync(task, results, now, counted);
        return SliceOutcome.Indexed;
    }

    /// <summary>A slice read from the source: its unreadable entries fail, the others are indexed, all in source order.</summary>
    private async Task<SliceOutcome> IndexSourceSliceAsync(IndexTaskState task, TaskSource source, DateTimeOffset now, Action<TaskCounts> counted)
    {
        if (task.Current >= options.MaxSourceDocuments)
        {
            return new SliceOutcome(SourceErrors.TooLarge(options.MaxSourceDocuments));
        }

        var requested = Math.Min(_sizer!.NextCount(), options.MaxSourceDocuments - task.Current);
        SourceSlice? slice;
        try
        {
            // On the last attempt a file that still cannot be read fails alone, a directory that still
            // cannot be listed becomes one failed entry, and the task goes on.
            slice = await Source.NextSliceAsync(source, requested, retryReadErrors: !LastAttempt(task));
        }
        catch (SourceReadException exception)
        {
            // Nothing of the slice was recorded: tried again, it is read again from the task's position.
            SourceReadFailedTransiently(logger, exception, taskId, exception.Path, task.FailedAttempts + 1, exception.Reason);
            return new SliceOutcome(TransientFailure: exception);
        }

        if (slice is null)
        {
            return new SliceOutcome(SourceErrors.Unreadable(source));
        }

        await Missing.RecordAsync(source, slice);

        var readable = slice.Entries.Where(entry => entry.Document is not null).Select(entry => entry.Document!).ToList();
        IReadOnlyList<DocumentResult> indexed = [];
        if (readable.Count > 0)
        {
            var (results, failure) = await IndexAsync(task, readable, requested);
            if (failure is not null)
            {
                return failure;
            }

            indexed = results;
        }

        if (slice.Entries.Count > 0)
        {
            var next = 0;
            var attempt = task.FailedAttempts + 1;
            await RecordAsync(task, [.. slice.Entries.Select(entry => entry.Document is null ? entry.Failure with { Attempts = attempt } : indexed[next++])], now, counted);
        }
        else
        {
            // Nothing to record (the rest of the source held no file), but the slice went through.
            TaskTransitions.AttemptSucceeded(task);
        }

        foreach (var unlisted in slice.Entries.Where(entry => entry.IsUnlistedDirectory))
        {
            SourceDirectoryGivenUp(logger, taskId, unlisted.Id);
        }

        MissingDocuments.TakeVerdict(source, slice);
        SourceRun.Advance(task, source, slice);
        return SliceOutcome.Indexed;
    }

    /// <summary>
    /// The index's outcomes for <paramref name="documents"/> of the <paramref name="requested"/> the sizer asked
    /// for (fewer at a chunk's end, the content cap or unreadable entries), or the outcome that stops the slice.
    /// </summary>
    private async Task<(IReadOnlyList<DocumentResult> Results, SliceOutcome? Failure)> IndexAsync(IndexTaskState task, List<IndexDocument> documents, int requested)
    {
        IReadOnlyList<DocumentResult> results;
        var started = Stopwatch.GetTimestamp();
        try
        {
            results = await indexer.IndexAsync(taskId, task.Collection, documents, CancellationToken.None);
        }
        catch (Exception exception) when (TransientFaults.IsTransient(exception) && !TransientFaults.IsDatabaseOutage(exception))
        {
            IndexFailedTransiently(logger, exception, taskId, task.Current, task.FailedAttempts + 1);
            return ([], new SliceOutcome(TransientFailure: exception));
        }
        catch (Exception exception) when (!TransientFaults.IsTransient(exception) && exception is not OutOfMemoryException)
        {
            IndexFailed(logger, exception, taskId, task.Current);
            return ([], new SliceOutcome(TaskErrors.IndexFailed(documents.Count == 1 ? documents[0].Id : null)));
        }

        Measured(documents.Count, requested, Stopwatch.GetElapsedTime(started));
        if (task.FailedAttempts > 0)
        {
            var attempt = task.FailedAttempts + 1;
            results = [.. results.Select(result => result with { Attempts = attempt })];
        }

        return (results, null);
    }

    /// <summary>The index took <paramref name="elapsed"/> for <paramref name="documents"/>: the next slice is sized by it.</summary>
    private void Measured(int documents, int requested, TimeSpan elapsed)
    {
        if (elapsed >= options.SlowDatabaseRoundTrip)
        {
            // Only a slice this slow can have waited on a slow round trip: find out whether it did.
            roundTrips?.Demand();
        }

        _sizer!.Record(documents, elapsed, roundTrips?.Recent, requested);
        if (_sizer.DatabaseSlow)
        {
            slowSlices?.Remember(_sizer.Budget, _sizer.NextCount());
        }
    }

    private async Task RecordAsync(IndexTaskState task, IReadOnlyList<DocumentResult> results, DateTimeOffset now, Action<TaskCounts> counted)
    {
        if (!task.IsInline)
        {
            await Results.WriteAsync(task.ResultChunkCount, new ResultChunk(task.Current, [.. results], task.SeqReservedUpTo));
        }

        counted(TaskTransitions.RecordSlice(task, results, now));
    }

    [LoggerMessage(5, LogLevel.Error, "Task {TaskId} failed: the document index refused the slice at {Current}")]
    private static partial void IndexFailed(ILogger logger, Exception exception, Guid taskId, int current);

    [LoggerMessage(40, LogLevel.Warning, "Task {TaskId}: attempt {Attempt} of the slice at {Current} failed with a transient error")]
    private static partial void IndexFailedTransiently(ILogger logger, Exception exception, Guid taskId, int current, int attempt);

    // {Path} as before listings were retried too (log queries filter on it): a file's path, or a directory's ('.' for the source's own).
    [LoggerMessage(46, LogLevel.Warning, "Task {TaskId}: attempt {Attempt} failed reading the source at {Path} ({Reason}), an I/O error that may pass")]
    private static partial void SourceReadFailedTransiently(ILogger logger, Exception exception, Guid taskId, string path, int attempt, string reason);

    [LoggerMessage(47, LogLevel.Warning, "Task {TaskId}: the source directory {Path} could not be listed at the task's last attempt, in its count or its reading (an I/O error); its files were not read, and a failed result stands for them")]
    private static partial void SourceDirectoryGivenUp(ILogger logger, Guid taskId, string path);
}
