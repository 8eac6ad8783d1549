using Orleans.Concurrency;

namespace OrleansTasks.Tasks;

/// <summary>
/// A grain that follows tasks: a task that depends on them, or their batch. Both calls are one-way,
/// so no grain ever waits on another along a dependency and no cycle of waiting grains can form.
/// </summary>
[Alias("OrleansTasks.Tasks.ITaskFollower")]
public interface ITaskFollower : IGrainWithGuidKey
{
    /// <summary>
    /// The followed task has ended. The follower acknowledges with <see cref="IIndexTaskWorker.Acknowledge"/>
    /// once it has persisted what it made of it; until then the task sends this again with each
    /// tick of its lease, so a follower must take a repeat as a no-op.
    /// </summary>
    [OneWay, Alias("OnTaskEnded")]
    Task OnTaskEnded(IndexTaskSnapshot final);

    /// <summary>Any published change of the followed task; best effort, superseded by the next.</summary>
    [OneWay, Alias("OnTaskChanged")]
    Task OnTaskChanged(IndexTaskSnapshot snapshot);
}
