using Microsoft.Extensions.Logging;

namespace OrleansTasks.Tasks;

/// <summary>
/// The grains a task hears from and tells: its batch hears of every published change (best effort,
/// it reconciles); its followers (its batch, its schedule, the tasks that depend on it) are told of
/// its end, by the task again at each lease tick until each has acknowledged; and a waiting task
/// asks its dependencies how they stand.
/// </summary>
public sealed partial class TaskFollowers(IGrainFactory grains, ILogger logger)
{
    /// <summary>The batch and the schedule a new task belongs to.</summary>
    public IEnumerable<GrainId> Of(StartIndexTask request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.BatchId is { } batchId)
        {
            yield return grains.GetGrain<IBatchGrain>(batchId).GetGrainId();
        }

        if (request.ScheduleId is { } scheduleId)
        {
            yield return grains.GetGrain<IScheduleGrain>(scheduleId).GetGrainId();
        }
    }

    public GrainId TaskGrainId(Guid taskId) => grains.GetGrain<IIndexTaskGrain>(taskId).GetGrainId();

    /// <summary>Tells each of <paramref name="followers"/> that the task has ended with <paramref name="final"/>.</summary>
    public void NotifyEnd(IndexTaskSnapshot final, IEnumerable<GrainId> followers)
    {
        ArgumentNullException.ThrowIfNull(followers);
        foreach (var follower in followers)
        {
            grains.GetGrain<ITaskFollower>(follower).OnTaskEnded(final).Ignore();
        }
    }

    /// <summary>Hands a published change to the task's batch, which rolls it up.</summary>
    public void ForwardToBatch(Guid? batchId, IndexTaskSnapshot snapshot)
    {
        if (batchId is { } id)
        {
            var batch = grains.GetGrain<IBatchGrain>(id).GetGrainId();
            grains.GetGrain<ITaskFollower>(batch).OnTaskChanged(snapshot).Ignore();
        }
    }

    /// <summary>
    /// Asks each of a waiting task's <paramref name="dependencies"/> for its state, registering the task
    /// with it, and yields those that have ended (with a null state when one no longer exists). One that
    /// cannot be reached is asked again at the task's next lease tick.
    /// </summary>
    public async IAsyncEnumerable<(Guid Dependency, IndexTaskSnapshot? Final)> EndedDependenciesAsync(Guid taskId, IReadOnlyList<Guid> dependencies)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        foreach (var dependency in dependencies)
        {
            IndexTaskSnapshot? snapshot;
            try
            {
                snapshot = await grains.GetGrain<IIndexTaskWorker>(dependency).AddDependant(taskId);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                DependencyUnreachable(logger, exception, taskId, dependency);
                continue;
            }

            if (snapshot is null || snapshot.IsTerminal)
            {
                yield return (dependency, snapshot);
            }
        }
    }

    [LoggerMessage(16, LogLevel.Warning, "Task {TaskId}: dependency {DependencyId} could not be reached; the next lease tick asks again")]
    private static partial void DependencyUnreachable(ILogger logger, Exception exception, Guid taskId, Guid dependencyId);
}
