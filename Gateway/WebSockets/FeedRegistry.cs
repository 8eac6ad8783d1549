namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// The gateway's feeds of one kind, reference-counted: the first socket on a task (or batch)
/// subscribes to its stream, the last one to leave unsubscribes.
/// </summary>
public sealed class FeedRegistry<T>(
    IFeedKind<T> kind, IClusterClient client, GatewayMetrics metrics, TimeProvider time, SendThreads sendThreads, ILoggerFactory loggers, IFeedEventFilter? filter = null)
    : IFeedRegistry
    where T : class, IFeedSnapshot
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Feed<T>> _feeds = [];
    private readonly ILogger _logger = loggers.CreateLogger("OrleansTasks.Gateway.WebSockets.Feed");

    public IFeedKind<T> Kind { get; } = kind;

    /// <summary>Attaches <paramref name="listener"/> to the feed of <paramref name="id"/> once its subscription is in place.</summary>
    public async Task<IAsyncDisposable> AttachAsync(Guid id, IFeedListener<T> listener)
    {
        Feed<T> feed;
        lock (_lock)
        {
            if (!_feeds.TryGetValue(id, out feed!))
            {
                feed = new Feed<T>(Kind, id, client, metrics, time, sendThreads, filter, _logger);
                _feeds.Add(id, feed);
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
    public IReadOnlyList<IFeed> Feeds
    {
        get
        {
            lock (_lock)
            {
                return [.. _feeds.Values];
            }
        }
    }

    private async Task DetachAsync(Feed<T> feed, IFeedListener<T> listener)
    {
        var last = false;
        lock (_lock)
        {
            feed.Detach(listener);
            if (feed.ListenerCount == 0 && _feeds.TryGetValue(feed.Id, out var current) && current == feed)
            {
                _feeds.Remove(feed.Id);
                last = true;
            }
        }

        if (last)
        {
            await feed.UnsubscribeAsync();
        }
    }

    private sealed class Attachment(FeedRegistry<T> registry, Feed<T> feed, IFeedListener<T> listener) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _disposed, 1) == 0
                ? new ValueTask(registry.DetachAsync(feed, listener))
                : ValueTask.CompletedTask;
    }
}
