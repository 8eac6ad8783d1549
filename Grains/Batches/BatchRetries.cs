namespace OrleansTasks.Batches;

/// <summary>The order a batch retry retries its tasks in: each after the tasks of the retry it waited for.</summary>
public static class BatchRetries
{
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
