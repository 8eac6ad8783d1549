namespace OrleansTasks.Testing;

/// <summary>Index task snapshots as a task publishes them, for tests that feed listeners by hand.</summary>
public static class TaskSnapshots
{
    /// <summary>The snapshot of <paramref name="taskId"/> at <paramref name="seq"/>, <paramref name="progress"/> documents of 100 done.</summary>
    public static IndexTaskSnapshot At(Guid taskId, long seq, int progress, IndexTaskStatus status = IndexTaskStatus.Processing, string ownerId = "alice") => new()
    {
        TaskId = taskId,
        OwnerId = ownerId,
        Collection = "docs",
        Status = status,
        Progress = progress,
        Current = progress,
        Total = 100,
        Message = "",
        Seq = seq,
        Counts = new TaskCounts(progress, 0, 0),
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>The owner-feed row of <see cref="At"/>.</summary>
    public static TaskSummary SummaryAt(Guid taskId, long seq, int progress, IndexTaskStatus status = IndexTaskStatus.Processing, string ownerId = "alice") =>
        TaskSummary.From(At(taskId, seq, progress, status, ownerId));
}
