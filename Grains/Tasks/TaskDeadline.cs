namespace OrleansTasks.Tasks;

/// <summary>
/// A task's time limit: it counts from the task's start (<c>started_at</c>), so that the time a task
/// waits for its start time, its dependencies or a free slot is not counted, and it binds only
/// until the task has ended.
/// </summary>
public static class TaskDeadline
{
    /// <summary>When the task must have ended; null without a limit, before its start, or once ended.</summary>
    public static DateTimeOffset? Of(IndexTaskState task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Timeout is { } limit && task.StartedAt is { } started && !task.Status.IsTerminal() ? started + limit : null;
    }

    public static bool IsPast(IndexTaskState task, DateTimeOffset now) => Of(task) <= now;

    /// <summary>How long until the limit is reached (zero once it is); null when no limit binds.</summary>
    public static TimeSpan? Due(IndexTaskState task, DateTimeOffset now) =>
        Of(task) is { } deadline ? (deadline > now ? deadline - now : TimeSpan.Zero) : null;
}
