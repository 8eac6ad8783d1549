using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace OrleansTasks.Storage;

/// <summary>
/// The chunk stores of a task, registered once per silo: its documents as grain-state records, its
/// results where the silo keeps them (<see cref="IResultChunks"/>; grain-state records when none is
/// registered, as in an embedded silo).
/// </summary>
public sealed class TaskChunkStores(
    [FromKeyedServices(StorageNames.Tasks)] IGrainStorage storage,
    IResultChunks? results = null)
{
    public TaskChunkStore<DocumentChunk> Documents { get; } = new(storage, "documents");

    public IResultChunks Results { get; } = results ?? new GrainStorageResultChunks(ResultRecords(storage));

    /// <summary>Result chunks as grain-state records: an embedded silo's, and those of earlier releases in cluster mode.</summary>
    public static TaskChunkStore<ResultChunk> ResultRecords(IGrainStorage storage) => new(storage, "results");
}
