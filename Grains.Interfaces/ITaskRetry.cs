namespace OrleansTasks;

/// <summary>
/// Retrying an ended index task, part of <see cref="IIndexTaskGrain"/>. It is an interface of its own so that
/// it carries its own version: its calls reach only silos that know them (an activation on a silo of an
/// earlier release moves), while the calls of <see cref="IIndexTaskGrain"/> keep their version and are still
/// served by such silos during a rolling upgrade.
/// </summary>
[Alias("OrleansTasks.ITaskRetry"), Orleans.CodeGeneration.Version(1)]
public interface ITaskRetry : IGrainWithGuidKey
{
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
