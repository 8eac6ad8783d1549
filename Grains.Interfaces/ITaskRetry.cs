namespace OrleansTasks;

/// <summary>
/// Retrying an ended index task: a second interface of the task grain, keyed by the task id, reached with
/// <c>GetGrain&lt;ITaskRetry&gt;(taskId)</c>. <see cref="IIndexTaskGrain"/> does not inherit it, so that its
/// calls keep the interface and version silos of earlier releases serve. Orleans routes a call by the interface
/// of the reference it is made on: calls made here carry this interface's version, and a new activation for
/// them is placed only on a silo that serves it. A call to an activation that already lives on a silo of an
/// earlier release still reaches that silo, which cannot read it: while such silos are in the cluster
/// (<see cref="ClusterSupport.EverySiloServes{TGrainInterface}(IServiceProvider)"/> is false) the retry is
/// refused with <see cref="RetryRefusal.ClusterUpgrading"/> and the gateway answers 503. A caller whose cluster
/// manifest does not list such a silo yet gets that silo's failure to read the call
/// (<see cref="ClusterSupport.UnknownToSilo{TGrainInterface}(Exception)"/>), answered the same way.
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
