using Orleans.Concurrency;

namespace OrleansTasks;

/// <summary>
/// A batch of index tasks created together, keyed by its batch id. It creates its tasks (in an
/// order that puts every task after those it waits for), follows them, and publishes its rolled-up
/// state as a <see cref="BatchSnapshot"/> on <see cref="TaskStreams.ForBatch(Guid)"/>. Version 1 added
/// <see cref="Retry"/>.
/// </summary>
[Alias("OrleansTasks.IBatchGrain"), Orleans.CodeGeneration.Version(1)]
public interface IBatchGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Validates the whole batch — every task, local references, cycles, existing dependencies —
    /// and creates all its tasks, or nothing with <see cref="InvalidTaskRequestException"/>.
    /// Calling it again for a batch that exists returns its snapshot and changes nothing.
    /// </summary>
    [Alias("Create")]
    Task<BatchSnapshot> Create(CreateBatch request);

    /// <summary>The latest state, or <c>null</c> when no batch has this id.</summary>
    [Alias("GetSnapshot"), AlwaysInterleave]
    Task<BatchSnapshot?> GetSnapshot();

    /// <summary>Cancels every unfinished task of the batch with <c>cancelled_by</c> <c>batch:&lt;id&gt;</c>.</summary>
    [Alias("Cancel")]
    Task<CancelOutcome> Cancel(string cancelledBy);

    /// <summary>
    /// Retries an ended batch: each of its failed or cancelled tasks is retried (<see cref="IIndexTaskGrain.Retry"/>)
    /// into one new batch, linked both ways (<see cref="BatchSnapshot.RetryOf"/>, <see cref="BatchSnapshot.RetriedBy"/>),
    /// whose snapshot is returned; a retried task waits for the retries of the tasks it waited for. A repeated
    /// call with the same <paramref name="requestId"/> answers the same new batch; a refusal throws
    /// <see cref="RetryRefusedException"/>.
    /// </summary>
    [Alias("Retry")]
    Task<BatchSnapshot> Retry(string requestedBy, Guid requestId);
}
