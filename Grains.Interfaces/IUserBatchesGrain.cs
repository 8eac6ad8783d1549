using Orleans.Concurrency;

namespace OrleansTasks;

/// <summary>The batches one user created, keyed by the user id, newest first.</summary>
[Alias("OrleansTasks.IUserBatchesGrain")]
public interface IUserBatchesGrain : IGrainWithStringKey
{
    /// <summary>Records a batch; recording the same batch again changes nothing.</summary>
    [Alias("Add")]
    Task Add(Guid batchId, DateTimeOffset createdAt);

    /// <summary>At most <paramref name="limit"/> batch ids after <paramref name="cursor"/> (from an earlier page).</summary>
    [Alias("List"), ReadOnly]
    Task<BatchPage> List(string? cursor, int limit);
}
