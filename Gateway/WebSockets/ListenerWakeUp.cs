namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Wakes a feed's listeners from the thread pool, <see cref="ChunkSize"/> per work item. A woken
/// socket sends on the waking thread until a send would wait, so one event reaches thousands of
/// sockets through a handful of work items instead of one thread hop per socket, and the stream's
/// delivery never waits for a socket.
/// </summary>
public static class ListenerWakeUp
{
    public const int ChunkSize = 256;

    public static void Schedule<T>(IFeedListener<T>[] listeners)
        where T : class, IFeedSnapshot
    {
        ArgumentNullException.ThrowIfNull(listeners);
        for (var start = 0; start < listeners.Length; start += ChunkSize)
        {
            ThreadPool.UnsafeQueueUserWorkItem(new Chunk<T>(listeners, start, Math.Min(start + ChunkSize, listeners.Length)), preferLocal: false);
        }
    }

    private sealed class Chunk<T>(IFeedListener<T>[] listeners, int start, int end) : IThreadPoolWorkItem
        where T : class, IFeedSnapshot
    {
        public void Execute()
        {
            for (var index = start; index < end; index++)
            {
                listeners[index].Wake();
            }
        }
    }
}
