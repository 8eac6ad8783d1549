using System.Collections.Immutable;

namespace OrleansTasks.Batches;

/// <summary>
/// The batch grain's side of a batch retry: the new batch creates itself from the tasks the retried one names.
/// Versioned like every interface new in a release, so that the new batch is placed on a silo that serves it.
/// </summary>
[Alias("OrleansTasks.Batches.IBatchRetryWorker"), Orleans.CodeGeneration.Version(1)]
public interface IBatchRetryWorker : IGrainWithGuidKey
{
    /// <summary>
    /// Creates this batch as the retry of <see cref="BatchRetryPlan.RetryOf"/>, or finishes creating it; a batch
    /// that exists already answers its snapshot. Throws <see cref="RetryRefusedException"/> when none of the
    /// tasks could be retried, leaving nothing behind.
    /// </summary>
    [Alias("CreateRetry")]
    Task<BatchSnapshot> CreateRetry(BatchRetryPlan retry);
}

/// <summary>A batch retry: whose it is, which batch it retries, who asked, and the tasks to retry with their refs.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.Batches.BatchRetryPlan")]
public sealed record BatchRetryPlan(
    [property: Id(0)] string OwnerId,
    [property: Id(1)] Guid RetryOf,
    [property: Id(2)] string RequestedBy,
    [property: Id(3)] ImmutableArray<GroupTask> Tasks);
