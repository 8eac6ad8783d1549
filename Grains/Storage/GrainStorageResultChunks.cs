namespace OrleansTasks.Storage;

/// <summary>
/// Result chunks kept as grain-state records, as an embedded silo (one process, memory storage)
/// keeps them. One process has no stale activation that could wake up after its task moved on, so
/// the fence is the one each chunk carries: a chunk replaces only one of a lower or equal fence.
/// Cluster mode reads chunks of earlier releases through this store.
/// </summary>
public sealed class GrainStorageResultChunks(TaskChunkStore<ResultChunk> store) : IResultChunks
{
    public Task<ResultChunk?> ReadAsync(Guid taskId, int number) => store.ReadAsync(taskId, number);

    public Task WriteAsync(Guid taskId, int number, ResultChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return store.WriteAsync(taskId, number, chunk, existing => existing.Fence <= chunk.Fence);
    }

    public Task RaiseFenceAsync(Guid taskId, long fence) => Task.CompletedTask;

    public async Task DeleteAsync(Guid taskId, int count)
    {
        for (var number = 0; number < count; number++)
        {
            await DeleteOneAsync(taskId, number);
        }
    }

    public Task DeleteOneAsync(Guid taskId, int number) => store.DeleteAsync(taskId, number);
}
