using Orleans.Concurrency;

namespace OrleansTasks;

/// <summary>
/// One index task, keyed by its task id. It owns the task's status, progress and results, persists
/// them, and publishes every change as an <see cref="IndexTaskSnapshot"/> on
/// <see cref="TaskStreams.ForTask(Guid)"/>. Version 1 added <see cref="Retry"/>: its callers are served
/// only by silos that know it.
/// </summary>
[Alias("OrleansTasks.IIndexTaskGrain"), Orleans.CodeGeneration.Version(1)]
public interface IIndexTaskGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Accepts the task and starts it. Calling it again for a task that exists returns its snapshot
    /// and changes nothing. Throws <see cref="InvalidTaskRequestException"/> for invalid input.
    /// </summary>
    [Alias("Start")]
    Task<IndexTaskSnapshot> Start(StartIndexTask request);

    /// <summary>The latest published state, or <c>null</c> when no task has this id.</summary>
    [Alias("GetSnapshot"), AlwaysInterleave]
    Task<IndexTaskSnapshot?> GetSnapshot();

    /// <summary>The address of the silo this task's activation runs on, for operators and tests.</summary>
    [Alias("GetHostingSilo"), AlwaysInterleave]
    Task<string> GetHostingSilo();

    /// <summary>Cancels a task that has not ended. <paramref name="cancelledBy"/> follows the wire format, e.g. <c>user:alice</c>.</summary>
    [Alias("Cancel")]
    Task<CancelOutcome> Cancel(string cancelledBy);

    /// <summary>Per-document outcomes from <paramref name="offset"/>, at most <paramref name="limit"/>, optionally of one outcome only.</summary>
    [Alias("GetResults"), AlwaysInterleave]
    Task<TaskResultPage> GetResults(int offset, int limit, DocumentOutcome? outcome = null);

    /// <summary>
    /// Retries an ended task: its failed and unprocessed documents (a completed task's failed ones) become a
    /// new task with the same owner and collection, linked both ways (<see cref="IndexTaskSnapshot.RetryOf"/>,
    /// <see cref="IndexTaskSnapshot.RetriedBy"/>), whose first snapshot is returned. A task is retried at most
    /// once: a repeated call with the same <paramref name="requestId"/> (a retry after an error) answers the
    /// same new task; any other throws <see cref="RetryRefusedException"/>, as does every refusal.
    /// <paramref name="requestedBy"/> follows the wire format, e.g. <c>user:alice</c>; <paramref name="batchId"/>
    /// is set by a batch that retries its tasks as a new batch.
    /// </summary>
    [Alias("Retry")]
    Task<IndexTaskSnapshot> Retry(string requestedBy, Guid requestId, Guid? batchId = null);
}
