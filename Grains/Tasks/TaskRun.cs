using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OrleansTasks.Indexing;
using OrleansTasks.Storage;

namespace OrleansTasks.Tasks;

/// <summary>
/// A task's run, slice by slice: the next documents from the task's position, sized to take about
/// the slice budget, indexed, their outcomes stored and counted into the task's state.
/// </summary>
public sealed partial class TaskRun(Guid taskId, TaskChunkStores chunks, IncrementalIndexer indexer, TimeSpan sliceBudget, ILogger logger)
{
    private readonly SliceSizer _sizer = new(sliceBudget);

    public TaskDocuments Documents { get; } = new(chunks.Documents, taskId);

    public TaskResults Results { get; } = new(chunks.Results, taskId);

    /// <summary>
    /// Indexes the next slice of <paramref name="task"/> and takes its outcomes into the state (in
    /// memory: the caller persists). Returns the error that ends the task, or null; a transient
    /// failure (the database) throws, and the caller retries the slice later.
    /// </summary>
    public async Task<TaskError?> IndexNextSliceAsync(IndexTaskState task, DateTimeOffset now, Action<TaskCounts> counted)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(counted);
        var documents = await Documents.NextSliceAsync(task, _sizer.NextCount());
        if (documents is null)
        {
            return TaskErrors.Missing();
        }

        IReadOnlyList<DocumentResult> results;
        var started = Stopwatch.GetTimestamp();
        try
        {
            results = await indexer.IndexAsync(taskId, task.Collection, documents, CancellationToken.None);
        }
        catch (Exception exception) when (!TransientFaults.IsTransient(exception) && exception is not OutOfMemoryException)
        {
            IndexFailed(logger, exception, taskId, task.Current);
            return TaskErrors.IndexFailed(documents.Count == 1 ? documents[0].Id : null);
        }

        _sizer.Record(documents.Count, Stopwatch.GetElapsedTime(started));
        if (!task.IsInline)
        {
            await Results.WriteAsync(task.ResultChunkCount, new ResultChunk(task.Current, [.. results], task.SeqReservedUpTo));
        }

        counted(TaskTransitions.RecordSlice(task, results, now));
        return null;
    }

    [LoggerMessage(5, LogLevel.Error, "Task {TaskId} failed: the document index refused the slice at {Current}")]
    private static partial void IndexFailed(ILogger logger, Exception exception, Guid taskId, int current);
}
