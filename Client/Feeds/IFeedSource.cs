namespace OrleansTasks.Feeds;

/// <summary>Where the snapshots of one kind of feed (tasks or batches) come from: a stream and a grain.</summary>
/// <typeparam name="T">The snapshot the feed carries.</typeparam>
internal interface IFeedSource<T>
    where T : class, IFeedSnapshot
{
    /// <summary>"task" or "batch", for logs.</summary>
    string Name { get; }

    /// <summary>
    /// True when a snapshot's progress never goes back (a task's), so a lower one is stale; false when
    /// it may (a batch's rolled-up progress, when a task's total grows), so changes are ordered by <c>seq</c> alone.
    /// </summary>
    bool ProgressRises => true;

    /// <summary>The stream the grain of <paramref name="id"/> publishes its snapshots on.</summary>
    StreamId StreamFor(Guid id);

    /// <summary>The current state from its grain, or null when nothing has this id.</summary>
    Task<T?> ReadAsync(IGrainFactory grains, Guid id);
}
