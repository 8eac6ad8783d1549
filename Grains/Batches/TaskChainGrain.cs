using Orleans.Concurrency;

namespace OrleansTasks.Batches;

/// <summary>
/// Reads a dependency chain on demand: the task and everything it depends on, breadth first, up
/// to <see cref="MaxTasks"/> tasks. Stateless, so any silo serves it next to its caller.
/// </summary>
[StatelessWorker, GrainType("task-chain")]
public sealed class TaskChainGrain : Grain, ITaskChainGrain
{
    public const int MaxTasks = 1_000;

    public async Task<ChainSnapshot?> GetChain()
    {
        var taskId = this.GetPrimaryKey();
        var seen = new HashSet<Guid> { taskId };
        var tasks = new List<GroupTask>();
        var level = new List<Guid> { taskId };
        while (level.Count > 0 && tasks.Count < MaxTasks)
        {
            var snapshots = await Task.WhenAll(level.Select(id => GrainFactory.GetGrain<IIndexTaskGrain>(id).GetSnapshot()));
            if (tasks.Count == 0 && snapshots[0] is null)
            {
                return null;
            }

            var next = new List<Guid>();
            foreach (var snapshot in snapshots.OfType<IndexTaskSnapshot>())
            {
                tasks.Add(GroupTask.From(snapshot));
                next.AddRange(snapshot.DependsOn.Where(seen.Add));
            }

            level = next;
        }

        return new ChainSnapshot(taskId, TaskGroupProgress.Of(tasks), [.. tasks.Take(MaxTasks)]);
    }
}
