using Orleans.Storage;

namespace OrleansTasks.Storage;

/// <summary>
/// Where a task's per-slice outcomes are stored (<see cref="ResultChunk"/>), fenced against stale
/// activations: a chunk is written only by an activation whose <see cref="ResultChunk.Fence"/> is not
/// below the task's fence, which every new activation of an unfinished task raises before it writes
/// anything (<see cref="RaiseFenceAsync"/>). A silo that was paused, declared dead and woke up again
/// thus adds no chunk, not even one no live activation has written yet.
/// </summary>
public interface IResultChunks
{
    Task<ResultChunk?> ReadAsync(Guid taskId, int number);

    /// <summary>
    /// Writes chunk <paramref name="number"/>, replacing one of a lower or equal fence (a redone
    /// slice). Throws <see cref="InconsistentStateException"/> when the writer is stale: the chunk
    /// there, or the task's fence, is a newer activation's.
    /// </summary>
    Task WriteAsync(Guid taskId, int number, ResultChunk chunk);

    /// <summary>Refuses, from now on, every chunk of <paramref name="taskId"/> whose fence is below <paramref name="fence"/>.</summary>
    Task RaiseFenceAsync(Guid taskId, long fence);

    /// <summary>Removes the task's chunks (numbers below <paramref name="count"/>) and its fence.</summary>
    Task DeleteAsync(Guid taskId, int count);
}
