using Orleans.Concurrency;

namespace OrleansTasks.Tasks;

/// <summary>The task grain's own driver: each <see cref="RunBatch"/> call is one batch, so other calls run between batches.</summary>
[Alias("OrleansTasks.Tasks.IIndexTaskWorker")]
public interface IIndexTaskWorker : IGrainWithGuidKey
{
    /// <summary>Makes sure an unfinished task is running or queued; harmless when it already is.</summary>
    [OneWay, Alias("Wake")]
    Task Wake();

    /// <summary>Deletes an ended task with its documents, results and history; false (nothing done) while it has not ended.</summary>
    [Alias("Purge")]
    Task<bool> Purge();

    /// <summary>One batch of the run; ignored unless <paramref name="token"/> is the batch the task is waiting for.</summary>
    [OneWay, Alias("RunBatch")]
    Task RunBatch(long token);
}
