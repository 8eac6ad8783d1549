using Orleans.Concurrency;

namespace OrleansTasks;

/// <summary>
/// A batch of index tasks created together, keyed by its batch id. It creates its tasks (in an
/// order that puts every task after those it waits for), follows them, and publishes its rolled-up
/// state as a <see cref="BatchSnapshot"/> on <see cref="TaskStreams.ForBatch(Guid)"/>.
/// </summary>
[Alias("OrleansTasks.IBatchGrain")]
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
}
