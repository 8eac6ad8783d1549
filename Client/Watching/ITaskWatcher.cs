namespace OrleansTasks;

/// <summary>
/// Follows tasks and batches with the guarantees the gateway gives WebSockets: the current
/// snapshot first, then changes with strictly rising <c>Seq</c>, no duplicates, a task's progress never
/// going back (a batch's may: see <see cref="WatchBatchAsync"/>), and the terminal snapshot last, exactly once. A terminal event the stream lost is read
/// back from the grain when the stream errors or stays silent (within about 12 s by default). All
/// watchers of one task in a process share one stream subscription.
/// </summary>
public interface ITaskWatcher
{
    /// <summary>
    /// The snapshots of one index task, until and including its terminal one. Enumeration throws
    /// <see cref="TaskNotFoundException"/> at once when no task has <paramref name="taskId"/>, and
    /// <see cref="OperationCanceledException"/> promptly when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <param name="taskId">The task.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    IAsyncEnumerable<IndexTaskSnapshot> WatchTaskAsync(Guid taskId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The rolled-up snapshots of one batch, until and including its terminal one. Enumeration
    /// throws <see cref="BatchNotFoundException"/> at once when no batch has <paramref name="batchId"/>.
    /// Ordered by <c>Seq</c> alone: the rolled-up progress goes back when a source task counts its
    /// documents (its total is 0 until then), and such a change is given, not dropped.
    /// </summary>
    /// <param name="batchId">The batch.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    IAsyncEnumerable<BatchSnapshot> WatchBatchAsync(Guid batchId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every change to the tasks of <paramref name="ownerId"/> (<c>user:alice</c>, <c>service:reports</c>)
    /// from now on, as list rows: each task's changes in rising <c>Seq</c> without duplicates, progress
    /// at most <c>Tasks:FeedProgressPerSecond</c> (2) times a second per task, status changes and ends
    /// always; a watcher that falls behind gets each task's newest change. Ends only when cancelled.
    /// </summary>
    /// <param name="ownerId">The owner whose tasks are followed.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    IAsyncEnumerable<TaskSummary> WatchOwnerAsync(string ownerId, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="WatchOwnerAsync"/>, for every owner's tasks (what admins follow).</summary>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    IAsyncEnumerable<TaskSummary> WatchEveryoneAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="WatchOwnerAsync"/>, with the changes of the owner's batches and schedules too:
    /// <see cref="TaskSummary"/>, <see cref="BatchSnapshot"/> (without its tasks, progress as often as
    /// a task's) and <see cref="ScheduleSnapshot"/> (every change; the last one of a deleted schedule
    /// has <see cref="ScheduleSnapshot.Deleted"/> set). Each item's changes come in rising <c>Seq</c>.
    /// </summary>
    /// <param name="ownerId">The owner whose tasks, batches and schedules are followed.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    IAsyncEnumerable<IOwnerFeedItem> WatchOwnerItemsAsync(string ownerId, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="WatchOwnerItemsAsync"/>, for every owner's (what admins follow).</summary>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    IAsyncEnumerable<IOwnerFeedItem> WatchEveryoneItemsAsync(CancellationToken cancellationToken = default);
}
