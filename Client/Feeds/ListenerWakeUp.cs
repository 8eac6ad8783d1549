namespace OrleansTasks.Feeds;

/// <summary>
/// Wakes one listener array's listeners through an <see cref="IFeedScheduler"/> (a gateway's send
/// threads), <see cref="ListenerWakeUp.ChunkSize"/> per work item. A woken socket sends on the waking thread
/// until a send would wait, so one event reaches thousands of sockets through a handful of work
/// items instead of one thread hop per socket, and the stream's delivery never waits for a socket.
/// A chunk already queued is not queued again: it wakes its listeners after everything queued to
/// them so far, so when events come faster than the sockets take them, the work waiting stays
/// bounded by the number of chunks.
/// </summary>
/// <typeparam name="T">The snapshot the listeners take.</typeparam>
internal sealed class ListenerWakeUp<T>
    where T : class, IFeedSnapshot
{
    private readonly Chunk[] _chunks;

    /// <summary>Chunks <paramref name="listeners"/>, to be woken through <paramref name="threads"/>.</summary>
    public ListenerWakeUp(IFeedListener<T>[] listeners, IFeedScheduler threads)
    {
        ArgumentNullException.ThrowIfNull(listeners);
        ArgumentNullException.ThrowIfNull(threads);
        Listeners = listeners;
        _chunks = new Chunk[(listeners.Length + ListenerWakeUp.ChunkSize - 1) / ListenerWakeUp.ChunkSize];
        for (var index = 0; index < _chunks.Length; index++)
        {
            var start = index * ListenerWakeUp.ChunkSize;
            _chunks[index] = new Chunk(threads, listeners, start, Math.Min(start + ListenerWakeUp.ChunkSize, listeners.Length));
        }
    }

    /// <summary>The listeners, in the order they attached.</summary>
    public IFeedListener<T>[] Listeners { get; }

    /// <summary>Queues a wake-up for every chunk that has none waiting.</summary>
    public void Schedule()
    {
        foreach (var chunk in _chunks)
        {
            chunk.Schedule();
        }
    }

    private sealed class Chunk(IFeedScheduler threads, IFeedListener<T>[] listeners, int start, int end) : IFeedWork
    {
        private int _queued;

        public void Schedule()
        {
            if (Interlocked.Exchange(ref _queued, 1) == 0)
            {
                threads.Queue(this);
            }
        }

        public void Execute()
        {
            // Cleared first, with a full fence: whatever is queued after this point schedules the chunk again.
            Interlocked.Exchange(ref _queued, 0);
            for (var index = start; index < end; index++)
            {
                listeners[index].Wake();
            }
        }
    }
}

/// <summary>The size of the chunks <see cref="ListenerWakeUp{T}"/> wakes per work item.</summary>
internal static class ListenerWakeUp
{
    /// <summary>Listeners woken per work item.</summary>
    public const int ChunkSize = 256;
}
