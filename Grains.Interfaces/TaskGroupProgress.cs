namespace OrleansTasks;

/// <summary>
/// The progress of a group of tasks — a batch or a dependency chain — rolled up and weighted by
/// documents: <see cref="Current"/> and <see cref="Total"/> are sums over the tasks, so a task of
/// 1,000 documents weighs a hundred times one of 10.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.TaskGroupProgress")]
public sealed record TaskGroupProgress(
    [property: Id(0)] IndexTaskStatus Status,
    [property: Id(1)] int Progress,
    [property: Id(2)] int Current,
    [property: Id(3)] int Total,
    [property: Id(4)] TaskStatusCounts Tasks,
    [property: Id(5)] TaskCounts Documents)
{
    /// <summary>
    /// The group's status: while any task is unfinished, <c>processing</c> if one runs, else
    /// <c>pending</c> if one is queued, else <c>waiting</c>; once all have ended, <c>completed</c> if
    /// every one completed, else <c>failed</c> if one failed, else <c>cancelled</c>.
    /// </summary>
    public static TaskGroupProgress Of(IReadOnlyCollection<GroupTask> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        int pending = 0, waiting = 0, processing = 0, completed = 0, failed = 0, cancelled = 0;
        long current = 0, total = 0;
        int indexed = 0, unchanged = 0, failedDocuments = 0;
        foreach (var task in tasks)
        {
            switch (task.Status)
            {
                case IndexTaskStatus.Pending: pending++; break;
                case IndexTaskStatus.Waiting: waiting++; break;
                case IndexTaskStatus.Processing: processing++; break;
                case IndexTaskStatus.Completed: completed++; break;
                case IndexTaskStatus.Failed: failed++; break;
                default: cancelled++; break;
            }

            current += task.Status == IndexTaskStatus.Completed ? task.Total : Math.Min(task.Current, task.Total);
            total += task.Total;
            indexed += task.Counts.Indexed;
            unchanged += task.Counts.Unchanged;
            failedDocuments += task.Counts.Failed;
        }

        var counts = new TaskStatusCounts(pending, waiting, processing, completed, failed, cancelled);
        var status = counts.Unfinished > 0
            ? processing > 0 ? IndexTaskStatus.Processing : pending > 0 ? IndexTaskStatus.Pending : IndexTaskStatus.Waiting
            : completed == counts.Total ? IndexTaskStatus.Completed
            : failed > 0 ? IndexTaskStatus.Failed
            : IndexTaskStatus.Cancelled;
        var progress = status switch
        {
            IndexTaskStatus.Completed => 100,
            IndexTaskStatus.Failed => -1,
            _ => total == 0 ? 0 : (int)(current * 100 / total),
        };
        return new(status, progress, (int)current, (int)total, counts, new TaskCounts(indexed, unchanged, failedDocuments));
    }
}
