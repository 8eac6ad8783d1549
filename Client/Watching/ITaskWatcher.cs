namespace OrleansTasks;

/// <summary>
/// Follows tasks and batches with the guarantees the gateway gives WebSockets: the current
/// snapshot first, then changes with strictly rising <c>Seq</c>, no duplicates, progress never going
/// back, and the terminal snapshot last, exactly once. A terminal event the stream lost is read
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
    /// </summary>
    /// <param name="batchId">The batch.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    IAsyncEnumerable<BatchSnapshot> WatchBatchAsync(Guid batchId, CancellationToken cancellationToken = default);
}
