using Microsoft.Extensions.Logging;

namespace OrleansTasks.Feeds;

/// <summary>
/// This process's feeds of one kind, reference-counted: the first listener on a task (or batch)
/// subscribes to its stream, the last one to leave unsubscribes. One subscription per task per
/// process, whoever listens.
/// </summary>
/// <typeparam name="T">The snapshot the feeds carry.</typeparam>
/// <param name="source">Where the snapshots come from.</param>
/// <param name="client">The cluster client the feeds subscribe with and reconcile through.</param>
/// <param name="metrics">Told of subscriptions and reconciliations.</param>
/// <param name="time">The clock of the silence timeout.</param>
/// <param name="wakeUps">Where listeners are woken.</param>
/// <param name="loggers">Creates the feeds' logger.</param>
/// <param name="filter">Decides which stream events reach the listeners; null lets all through.</param>
internal sealed class FeedRegistry<T>(
    IFeedSource<T> source, IClusterClient client, IFeedMetrics metrics, TimeProvider time, IFeedScheduler wakeUps, ILoggerFactory loggers, IFeedEventFilter? filter = null)
    : IFeedRegistry
    where T : class, IFeedSnapshot
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Feed<T>> _feeds = [];
    private readonly ILogger _logger = loggers.CreateLogger("OrleansTasks.Feeds.Feed");

    /// <summary>Where the snapshots come from.</summary>
    public IFeedSource<T> Source { get; } = source;

    /// <summary>Attaches <paramref name="listener"/> to the feed of <paramref name="id"/> once its subscription is in place.</summary>
    /// <returns>Detaches the listener when disposed (once, however often disposed).</returns>
    public async Task<IAsyncDisposable> AttachAsync(Guid id, IFeedListener<T> listener)
    {
        Feed<T> feed;
        lock (_lock)
        {
            if (!_feeds.TryGetValue(id, out feed!))
            {
                feed = new Feed<T>(Source, id, client, metrics, time, wakeUps, filter, _logger);
                _feeds.Add(id, feed);
            }

            feed.Attach(listener);
        }

        return await new Detachment(() => Detach(feed, listener)).OnceSubscribedAsync(feed.WhenSubscribedAsync());
    }

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

    /// <summary>
    /// Detaches at once; the last listener's leaving gives the subscription back in the background,
    /// so that no watcher or socket waits on the network (for as long as a call to a dead silo
    /// takes) at its end.
    /// </summary>
    private void Detach(Feed<T> feed, IFeedListener<T> listener)
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
            _ = feed.UnsubscribeAsync();
        }
    }
}
