namespace OrleansTasks.Batches;

/// <summary>
/// A batch's view of its tasks, kept from their events in whatever order and however often they
/// arrive: a task's newer state (higher <c>seq</c>) replaces the one held until the task has ended
/// there; its reference within the batch stays as created.
/// </summary>
public static class BatchTasks
{
    /// <summary>True when <paramref name="update"/> is one of <paramref name="tasks"/>, newer than what is held, and that task has not ended there.</summary>
    public static bool IsNewer(List<GroupTask> tasks, GroupTask update)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(update);
        return tasks.Find(task => task.TaskId == update.TaskId) is { } held && held.Seq < update.Seq && !held.Status.IsTerminal();
    }

    /// <summary>Takes <paramref name="update"/> into <paramref name="tasks"/> when it is newer; true when it was.</summary>
    public static bool Track(List<GroupTask> tasks, GroupTask update)
    {
        if (!IsNewer(tasks, update))
        {
            return false;
        }

        var index = tasks.FindIndex(task => task.TaskId == update.TaskId);
        tasks[index] = update with { Ref = tasks[index].Ref };
        return true;
    }
}
