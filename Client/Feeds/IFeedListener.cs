namespace OrleansTasks.Feeds;

/// <summary>Receives a feed's snapshots (a task's or a batch's) from the shared subscription.</summary>
/// <typeparam name="T">The snapshot the feed carries.</typeparam>
internal interface IFeedListener<in T>
    where T : class, IFeedSnapshot
{
    /// <summary>Takes the snapshot into the listener's queue and returns at once, sending nothing.</summary>
    void Queue(T snapshot);

    /// <summary>Lets the listener take what it has queued; a socket may send on the calling thread until a send would wait.</summary>
    void Wake();
}
