namespace OrleansTasks.Tasks;

/// <summary>What watchers, readers and followers see of a task's state.</summary>
public static class TaskSnapshots
{
    /// <param name="rate">Documents a second (see <see cref="RateMeter"/>), null when unknown.</param>
    public static IndexTaskSnapshot Of(Guid taskId, IndexTaskState task, double? rate = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new IndexTaskSnapshot
        {
            TaskId = taskId,
            OwnerId = task.OwnerId,
            Collection = task.Collection,
            Status = task.Status,
            Progress = task.Status switch
            {
                IndexTaskStatus.Failed => -1,
                IndexTaskStatus.Completed => 100,
                _ => task.Total == 0 ? 0 : (int)(task.Current * 100L / task.Total),
            },
            Current = task.Current,
            Total = task.Total,
            Message = task.Message,
            Seq = task.Seq,
            Counts = task.Counts,
            CreatedAt = task.CreatedAt,
            UpdatedAt = task.UpdatedAt,
            StartedAt = task.StartedAt,
            FinishedAt = task.FinishedAt,
            Error = task.Error,
            CancelledBy = task.CancelledBy,
            Result = task.Status == IndexTaskStatus.Completed ? task.Result : null,
            DependsOn = [.. task.DependsOn],
            AwaitedDependencies = [.. task.AwaitedDependencies],
            BatchId = task.BatchId,
            ScheduleId = task.ScheduleId,
            RunAt = task.RunAt,
            Rate = rate,
            Priority = task.Priority,
            RetryOf = task.RetryLinks?.RetryOf,
            RetriedBy = task.RetryLinks?.RetriedBy,
            Attempt = task.FailedAttempts + 1,
            NextAttemptAt = task.NextAttemptAt,
            Timeout = task.Timeout,
            Retry = task.Retry,
            Source = task.Source is { Upload: null } source ? source.Spec : null,
            Upload = task.Source?.Upload,
            DeleteMissing = task.Source?.DeleteMissing ?? false,
            Deleted = task.Source?.Deleted,
            DeleteSkipped = task.Source?.DeleteSkipped,
        };
    }
}
