using Microsoft.Extensions.Logging;

namespace OrleansTasks.Feeds;

/// <summary>
/// This process's owner feeds, reference-counted: the first listener on a scope subscribes to its
/// stream, the last one to leave unsubscribes (in the background). One subscription per scope per
/// process, whoever listens.
/// </summary>
internal sealed class OwnerFeedRegistry(IClusterClient client, IFeedMetrics metrics, TimeProvider time, IFeedScheduler wakeUps, ILoggerFactory loggers)
    : IFeedRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<OwnerScope, OwnerFeed> _feeds = [];
    private readonly ILogger _logger = loggers.CreateLogger("OrleansTasks.Feeds.OwnerFeed");

    /// <inheritdoc/>
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

    /// <summary>Attaches <paramref name="listener"/> to the feed of <paramref name="scope"/> once its subscription is in place.</summary>
    /// <returns>Detaches the listener when disposed (once, however often disposed).</returns>
    public async Task<IAsyncDisposable> AttachAsync(OwnerScope scope, IFeedListener<IOwnerFeedItem> listener)
    {
        ArgumentNullException.ThrowIfNull(scope);
        OwnerFeed feed;
        lock (_lock)
        {
            if (!_feeds.TryGetValue(scope, out feed!))
            {
                feed = new OwnerFeed(scope, client, metrics, time, wakeUps, _logger);
                _feeds.Add(scope, feed);
            }

            feed.Attach(listener);
        }

        return await new Detachment(() => Detach(feed, listener)).OnceSubscribedAsync(feed.WhenSubscribedAsync());
    }

    private void Detach(OwnerFeed feed, IFeedListener<IOwnerFeedItem> listener)
    {
        var last = false;
        lock (_lock)
        {
            feed.Detach(listener);
            if (feed.ListenerCount == 0 && _feeds.TryGetValue(feed.Scope, out var current) && current == feed)
            {
                _feeds.Remove(feed.Scope);
                last = true;
            }
        }

        if (last)
        {
            _ = feed.UnsubscribeAsync();
        }
    }
}
