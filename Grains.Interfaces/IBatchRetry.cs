namespace OrleansTasks;

/// <summary>
/// Retrying an ended batch: a second interface of the batch grain, keyed by the batch id, reached with
/// <c>GetGrain&lt;IBatchRetry&gt;(batchId)</c>; <see cref="IBatchGrain"/> does not inherit it, for the reasons
/// <see cref="ITaskRetry"/> gives.
/// </summary>
[Alias("OrleansTasks.IBatchRetry"), Orleans.CodeGeneration.Version(1)]
public interface IBatchRetry : IGrainWithGuidKey
{
    /// <summary>
    /// Retries an ended batch: each of its failed or cancelled tasks is retried (<see cref="ITaskRetry.Retry"/>)
    /// into one new batch, linked both ways (<see cref="BatchSnapshot.RetryOf"/>, <see cref="BatchSnapshot.RetriedBy"/>),
    /// whose snapshot is returned; a retried task waits for the retries of the tasks it waited for. A repeated
    /// call with the same <paramref name="requestId"/> answers the same new batch; a refusal throws
    /// <see cref="RetryRefusedException"/>.
    /// </summary>
    [Alias("Retry")]
    Task<BatchSnapshot> Retry(string requestedBy, Guid requestId);
}
