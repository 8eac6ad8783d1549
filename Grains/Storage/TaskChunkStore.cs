using Orleans.Storage;

namespace OrleansTasks.Storage;

/// <summary>
/// Numbered records that belong to one task (its documents, its per-slice results), kept in the
/// task storage provider beside the grain's own state so that a checkpoint never rewrites them.
/// </summary>
public sealed class TaskChunkStore<T>(IGrainStorage storage, string kind)
    where T : class
{
    public async Task<T?> ReadAsync(Guid taskId, int number, CancellationToken cancellationToken = default)
    {
        var state = new GrainState<T>();
        await storage.ReadStateAsync(kind, Key(taskId, number), state, cancellationToken);
        return state.RecordExists ? state.State : null;
    }

    /// <summary>
    /// Writes record <paramref name="number"/>. With <paramref name="mayExist"/> (a resumed task
    /// redoing work) a record left by an earlier activation is replaced.
    /// </summary>
    public async Task WriteAsync(Guid taskId, int number, T value, bool mayExist, CancellationToken cancellationToken = default)
    {
        var key = Key(taskId, number);
        var state = new GrainState<T>(value);
        if (mayExist)
        {
            var existing = new GrainState<T>();
            await storage.ReadStateAsync(kind, key, existing, cancellationToken);
            state.ETag = existing.ETag;
        }

        await storage.WriteStateAsync(kind, key, state, cancellationToken);
    }

    /// <summary>Removes record <paramref name="number"/> if it exists.</summary>
    public async Task DeleteAsync(Guid taskId, int number, CancellationToken cancellationToken = default)
    {
        var key = Key(taskId, number);
        var existing = new GrainState<T>();
        await storage.ReadStateAsync(kind, key, existing, cancellationToken);
        if (existing.RecordExists)
        {
            await storage.ClearStateAsync(kind, key, existing, cancellationToken);
        }
    }

    private GrainId Key(Guid taskId, int number) =>
        GrainId.Create("index-task-" + kind, $"{taskId:N}-{number}");
}
