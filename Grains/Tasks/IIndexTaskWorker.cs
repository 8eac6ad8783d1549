using Orleans.Concurrency;

namespace OrleansTasks.Tasks;

/// <summary>The task grain's own driver: each call is one batch, so other calls run between batches.</summary>
[Alias("OrleansTasks.Tasks.IIndexTaskWorker")]
public interface IIndexTaskWorker : IGrainWithGuidKey
{
    [OneWay, Alias("ProcessNextBatch")]
    Task ProcessNextBatch();
}
