namespace OrleansTasks.Feeds;

/// <summary>The one implementation of <see cref="IFeedSource{T}"/>; what differs between tasks and batches is passed in (see <see cref="FeedSources"/>).</summary>
/// <typeparam name="T">The snapshot the feed carries.</typeparam>
/// <param name="name">"task" or "batch".</param>
/// <param name="streamFor">The stream of an id.</param>
/// <param name="read">Reads an id's snapshot from its grain; null when nothing has the id.</param>
/// <param name="progressRises">See <see cref="IFeedSource{T}.ProgressRises"/>.</param>
internal sealed class FeedSource<T>(string name, Func<Guid, StreamId> streamFor, Func<IGrainFactory, Guid, Task<T?>> read, bool progressRises) : IFeedSource<T>
    where T : class, IFeedSnapshot
{
    /// <inheritdoc/>
    public string Name => name;

    /// <inheritdoc/>
    public bool ProgressRises => progressRises;

    /// <inheritdoc/>
    public StreamId StreamFor(Guid id) => streamFor(id);

    /// <inheritdoc/>
    public Task<T?> ReadAsync(IGrainFactory grains, Guid id) => read(grains, id);
}

/// <summary>The feeds there are: one index task, and one batch's rolled-up state.</summary>
internal static class FeedSources
{
    /// <summary>An index task: <see cref="TaskStreams.ForTask"/> and <see cref="IIndexTaskGrain.GetSnapshot"/>.</summary>
    public static readonly FeedSource<IndexTaskSnapshot> Tasks = new(
        "task", TaskStreams.ForTask, (grains, id) => grains.GetGrain<IIndexTaskGrain>(id).GetSnapshot(), progressRises: true);

    /// <summary>A batch: <see cref="TaskStreams.ForBatch"/> and <see cref="IBatchGrain.GetSnapshot"/>; its rolled-up progress may go back.</summary>
    public static readonly FeedSource<BatchSnapshot> Batches = new(
        "batch", TaskStreams.ForBatch, (grains, id) => grains.GetGrain<IBatchGrain>(id).GetSnapshot(), progressRises: false);
}
