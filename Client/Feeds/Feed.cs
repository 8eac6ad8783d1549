using Microsoft.Extensions.Logging;

namespace OrleansTasks.Feeds;

/// <summary>
/// This process's one subscription to the stream of one task or batch, shared by every listener
/// (a gateway's sockets, a service's watchers) watching it. Events are handed to each listener
/// without waiting for any of them.
/// </summary>
/// <typeparam name="T">The snapshot the feed carries.</typeparam>
/// <param name="source">Where the snapshots come from.</param>
/// <param name="id">The task or batch.</param>
/// <param name="client">The cluster client whose stream provider the feed subscribes with.</param>
/// <param name="metrics">Told of subscriptions and reconciliations.</param>
/// <param name="time">The clock of the silence timeout.</param>
/// <param name="wakeUps">Where listeners are woken.</param>
/// <param name="filter">Decides which stream events reach the listeners; null lets all through.</param>
/// <param name="logger">The feeds' logger.</param>
internal sealed class Feed<T>(
    IFeedSource<T> source, Guid id, IClusterClient client, IFeedMetrics metrics, TimeProvider time, IFeedScheduler wakeUps, IFeedEventFilter? filter, ILogger logger)
    : IFeed
    where T : class, IFeedSnapshot
{
    private readonly Lock _lock = new();
    private StreamSubscription<T>? _subscription;
    private long _lastHeard = time.GetTimestamp();
    private bool _streamFailed;

    /// <inheritdoc/>
    public Guid Id { get; } = id;

    /// <inheritdoc/>
    public string Kind => source.Name;

    /// <inheritdoc/>
    string IFeed.Key => Id.ToString();

    /// <inheritdoc/>
    public bool NeedsReconciliation(TimeSpan silence)
    {
        lock (_lock)
        {
            return _streamFailed || time.GetElapsedTime(Volatile.Read(ref _lastHeard)) >= silence;
        }
    }

    /// <summary>
    /// Reads the snapshot from its grain and hands it to every listener, as if the stream
    /// had delivered it; the listeners drop whatever they have already covered.
    /// </summary>
    /// <returns>Completes once the snapshot is queued to the listeners.</returns>
    public async Task ReconcileAsync()
    {
        // A read that throws (or never ends) leaves the feed due, so that the next sweep tries again.
        var snapshot = await source.ReadAsync(client, Id);
        Volatile.Write(ref _lastHeard, time.GetTimestamp());
        metrics.Reconciled();
        lock (_lock)
        {
            _streamFailed = false;
        }

        if (snapshot is not null)
        {
            FeedLog.Reconciled(logger, Kind, Id, snapshot.Seq);
            Subscription.Deliver(snapshot);
        }
    }

    /// <summary>Listeners currently attached; changed only under the registry's lock.</summary>
    public int ListenerCount => Subscription.ListenerCount;

    /// <summary>Adds a listener; the first one subscribes the feed to its stream.</summary>
    public void Attach(IFeedListener<T> listener) => Subscription.Attach(listener);

    /// <summary>Removes a listener; the registry unsubscribes once none is left.</summary>
    public void Detach(IFeedListener<T> listener) => Subscription.Detach(listener);

    /// <summary>Completes once the stream subscription is in place; throws if it could not be made.</summary>
    public Task WhenSubscribedAsync() => Subscription.WhenSubscribedAsync();

    /// <summary>Gives the stream subscription back (see <see cref="StreamSubscription{T}.UnsubscribeAsync"/>).</summary>
    public Task UnsubscribeAsync() => Subscription.UnsubscribeAsync();

    private StreamSubscription<T> Subscription => LazyInitializer.EnsureInitialized(ref _subscription, () =>
        new StreamSubscription<T>(client, source.StreamFor(Id), metrics, time, wakeUps, OnNextAsync, OnErrorAsync, Kind, Id.ToString(), logger));

    private Task OnNextAsync(T snapshot)
    {
        Volatile.Write(ref _lastHeard, time.GetTimestamp());
        if (filter?.Deliver(snapshot) != false)
        {
            Subscription.Deliver(snapshot);
        }

        return Task.CompletedTask;
    }

    private Task OnErrorAsync(Exception exception)
    {
        FeedLog.StreamError(logger, exception, Kind, Id);
        lock (_lock)
        {
            _streamFailed = true;
        }

        return Task.CompletedTask;
    }
}
