namespace OrleansTasks;

/// <summary>
/// One task as lists show it: a row of history, and what the per-owner feeds carry for every change
/// (<see cref="TaskStreams.ForOwner"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.TaskSummary")]
public sealed record TaskSummary(
    [property: Id(0)] Guid TaskId,
    [property: Id(1)] string OwnerId,
    [property: Id(2)] string Collection,
    [property: Id(3)] IndexTaskStatus Status,
    [property: Id(4)] int Progress,
    [property: Id(5)] int Current,
    [property: Id(6)] int Total,
    [property: Id(7)] string Message,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt,
    [property: Id(10)] DateTimeOffset? FinishedAt) : IOwnerFeedItem
{
    /// <summary>The task's <c>seq</c> at this change; 0 in rows written by a release that did not record it.</summary>
    [Id(11)] public long Seq { get; init; }

    /// <summary>Documents a second: smoothed while processing, the run's average once ended; null until known.</summary>
    [Id(12)] public double? Rate { get; init; }

    /// <summary>The batch the task was created in, if any.</summary>
    [Id(13)] public Guid? BatchId { get; init; }

    /// <summary>The schedule whose occurrence created the task, if any.</summary>
    [Id(14)] public Guid? ScheduleId { get; init; }

    /// <summary>Which waiting tasks admission takes first; normal in rows written by a release without priorities.</summary>
    [Id(19)] public TaskPriority Priority { get; init; }

    /// <summary>The task this one retries, if it is a retry.</summary>
    [Id(15)] public Guid? RetryOf { get; init; }

    /// <summary>The task that retries this one, once it has been retried.</summary>
    [Id(16)] public Guid? RetriedBy { get; init; }

    /// <summary>
    /// The attempt of the slice being indexed: 1 unless a transient failure is being retried (see
    /// <see cref="IndexTaskSnapshot.Attempt"/>). Carried by the per-owner feeds; history rows do not keep it and read 1.
    /// </summary>
    public int Attempt { get => Math.Max(1, _attempt); init => _attempt = value; }

    // A field, so that a summary from a silo that does not count attempts reads as attempt 1.
    [Id(20)] private int _attempt;

    /// <summary>Seconds left at <see cref="Rate"/>: null without a rate, 0 once ended.</summary>
    public int? EtaSeconds => TaskRates.EtaSeconds(Status, Current, Total, Rate);

    /// <inheritdoc/>
    public bool IsTerminal => Status.IsTerminal();

    Guid IOwnerFeedItem.ItemId => TaskId;

    OwnerFeedItemKind IOwnerFeedItem.ItemKind => OwnerFeedItemKind.Task;

    int IOwnerFeedItem.Phase => (int)Status;

    bool IOwnerFeedItem.IsBusy => Status == IndexTaskStatus.Processing;

    /// <summary>The history entry of a task, from its snapshot.</summary>
    public static TaskSummary From(IndexTaskSnapshot task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new(task.TaskId, task.OwnerId, task.Collection, task.Status, task.Progress, task.Current, task.Total,
            task.Message, task.CreatedAt, task.UpdatedAt, task.FinishedAt)
        {
            Seq = task.Seq,
            Rate = task.Rate,
            BatchId = task.BatchId,
            ScheduleId = task.ScheduleId,
            Priority = task.Priority,
            RetryOf = task.RetryOf,
            RetriedBy = task.RetriedBy,
            Attempt = task.Attempt,
        };
    }
}
