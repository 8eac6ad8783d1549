namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// The gateway's task feeds, reference-counted: the first socket on a task subscribes to its
/// stream, the last one to leave unsubscribes.
/// </summary>
public sealed class TaskFeedRegistry(
    IClusterClient client, GatewayMetrics metrics, TimeProvider time, ILoggerFactory loggers, ITaskEventFilter? filter = null)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, TaskFeed> _feeds = [];
    private readonly ILogger _logger = loggers.CreateLogger<TaskFeed>();

    /// <summary>Attaches <paramref name="listener"/> to the task's feed once its subscription is in place.</summary>
    public async Task<IAsyncDisposable> AttachAsync(Guid taskId, ITaskListener listener)
    {
        TaskFeed feed;
        lock (_lock)
        {
            if (!_feeds.TryGetValue(taskId, out feed!))
            {
                feed = new TaskFeed(taskId, client, metrics, time, filter, _logger);
                _feeds.Add(taskId, feed);
            }

            feed.Attach(listener);
        }

        var attachment = new Attachment(this, feed, listener);
        try
        {
            await feed.WhenSubscribedAsync();
            return attachment;
        }
        catch
        {
            await attachment.DisposeAsync();
            throw;
        }
    }

    /// <summary>The feeds that currently have listeners.</summary>
    public IReadOnlyList<TaskFeed> Feeds
    {
        get
        {
            lock (_lock)
            {
                return [.. _feeds.Values];
            }
        }
    }

    private async Task DetachAsync(TaskFeed feed, ITaskListener listener)
    {
        var last = false;
        lock (_lock)
        {
            feed.Detach(listener);
            if (feed.ListenerCount == 0 && _feeds.TryGetValue(feed.TaskId, out var current) && current == feed)
            {
                _feeds.Remove(feed.TaskId);
                last = true;
            }
        }

        if (last)
        {
            await feed.UnsubscribeAsync();
        }
    }

    private sealed class Attachment(TaskFeedRegistry registry, TaskFeed feed, ITaskListener listener) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _disposed, 1) == 0
                ? new ValueTask(registry.DetachAsync(feed, listener))
                : ValueTask.CompletedTask;
    }
}
