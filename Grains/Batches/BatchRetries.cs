namespace OrleansTasks.Batches;

/// <summary>
/// The order a batch retry retries its tasks in (each after the tasks of the retry it waited for), and which
/// refusals of a task's own retry leave that task out of the batch's.
/// </summary>
public static class BatchRetries
{
    /// <summary>
    /// Whether a task's retry that threw <paramref name="exception"/> was refused for a reason of the task's own,
    /// having made nothing (see <see cref="RetryRefusal"/>; a new task refused as a create would be): the batch's
    /// retry goes on without the task. Not a refusal while silos of an earlier release are in the cluster, which
    /// passes, nor a failure (storage, a lost silo), after which the batch's retry is tried again.
    /// </summary>
    public static bool LeavesOut(Exception exception) =>
        exception is RetryRefusedException { Reason: not RetryRefusal.ClusterUpgrading } or InvalidRequestException;

    /// <summary>
    /// Indexes into <paramref name="tasks"/> such that a task comes after every other of them it depends on
    /// (<paramref name="dependsOn"/>, per task); otherwise in the given order.
    /// </summary>
    public static List<int> Order(IReadOnlyList<Guid> tasks, IReadOnlyList<IReadOnlyList<Guid>> dependsOn)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(dependsOn);
        var indexOf = tasks.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        var order = new List<int>(tasks.Count);
        var placed = new bool[tasks.Count];
        while (order.Count < tasks.Count)
        {
            var progressed = false;
            for (var i = 0; i < tasks.Count; i++)
            {
                if (!placed[i] && dependsOn[i].All(d => !indexOf.TryGetValue(d, out var j) || placed[j] || j == i))
                {
                    placed[i] = true;
                    order.Add(i);
                    progressed = true;
                }
            }

            if (!progressed)
            {
                // Dependencies are acyclic when tasks are created; should they not be, the rest keep their order.
                order.AddRange(Enumerable.Range(0, tasks.Count).Where(i => !placed[i]));
                break;
            }
        }

        return order;
    }
}
