using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace OrleansTasks.Storage;

/// <summary>The two chunk stores of a task, registered once per silo.</summary>
public sealed class TaskChunkStores([FromKeyedServices(StorageNames.Tasks)] IGrainStorage storage)
{
    public TaskChunkStore<DocumentChunk> Documents { get; } = new(storage, "documents");

    public TaskChunkStore<ResultChunk> Results { get; } = new(storage, "results");
}
