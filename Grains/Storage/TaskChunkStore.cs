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
    /// Writes record <paramref name="number"/> in one round trip when it is new. One left by an
    /// earlier activation (a resumed task redoing a slice, a retried start) is refused as stale by
    /// storage; it is then read for its ETag and replaced, if <paramref name="mayReplace"/> allows.
    /// A record it does not allow replacing (a newer activation's) is left as it is and the write
    /// throws <see cref="InconsistentStateException"/>: the writer is stale.
    /// </summary>
    public async Task WriteAsync(Guid taskId, int number, T value, Func<T, bool>? mayReplace = null, CancellationToken cancellationToken = default)
    {
        var key = Key(taskId, number);
        try
        {
            await storage.WriteStateAsync(kind, key, new GrainState<T>(value), cancellationToken);
        }
        catch (InconsistentStateException)
        {
            var existing = new GrainState<T>();
            await storage.ReadStateAsync(kind, key, existing, cancellationToken);
            if (existing is { RecordExists: true, State: { } stored } && mayReplace is not null && !mayReplace(stored))
            {
                throw new InconsistentStateException($"Record {key} of {kind} belongs to a newer activation of task {taskId}; this one is stale.");
            }

            await storage.WriteStateAsync(kind, key, new GrainState<T>(value) { ETag = existing.ETag }, cancellationToken);
        }
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
