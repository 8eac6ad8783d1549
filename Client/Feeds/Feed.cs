using Microsoft.Extensions.Logging;
using Orleans.Streams;

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
public sealed class Feed<T>(
    IFeedSource<T> source, Guid id, IClusterClient client, IFeedMetrics metrics, TimeProvider time, IFeedScheduler wakeUps, IFeedEventFilter? filter, ILogger logger)
    : IFeed
    where T : class, IFeedSnapshot
{
    // How long giving a subscription back may wait for the cluster before it is logged as failed.
    private static readonly TimeSpan UnsubscribeLimit = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();

    // Replaced, never changed, when a listener comes or goes: each event reads it without a copy.
    private ListenerWakeUp<T> _listeners = new([], wakeUps);
    private Task<StreamSubscriptionHandle<T>>? _subscription;
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
            Deliver(snapshot);
        }
    }

    /// <summary>Listeners currently attached; changed only under the registry's lock.</summary>
    public int ListenerCount => Volatile.Read(ref _listeners).Listeners.Length;

    /// <summary>Adds a listener; the first one subscribes the feed to its stream.</summary>
    public void Attach(IFeedListener<T> listener)
    {
        lock (_lock)
        {
            _listeners = new([.. _listeners.Listeners, listener], wakeUps);
            _subscription ??= SubscribeAsync();
        }
    }

    /// <summary>Removes a listener; the registry unsubscribes once none is left.</summary>
    public void Detach(IFeedListener<T> listener)
    {
        lock (_lock)
        {
            _listeners = new([.. _listeners.Listeners.Where(attached => attached != listener)], wakeUps);
        }
    }

    /// <summary>Completes once the stream subscription is in place; throws if it could not be made.</summary>
    public Task WhenSubscribedAsync()
    {
        lock (_lock)
        {
            return _subscription ?? Task.CompletedTask;
        }
    }

    /// <summary>
    /// Gives the stream subscription back, waiting at most 10 s for the cluster; a failure is
    /// logged, as the grain drops stale subscribers itself.
    /// </summary>
    public async Task UnsubscribeAsync()
    {
        Task<StreamSubscriptionHandle<T>>? subscription;
        lock (_lock)
        {
            subscription = _subscription;
        }

        if (subscription is null)
        {
            return;
        }

        try
        {
            var handle = await subscription;
            await handle.UnsubscribeAsync().WaitAsync(UnsubscribeLimit, time);
            metrics.SubscriptionRemoved();
            FeedLog.Unsubscribed(logger, Kind, Id);
        }
        catch (Exception exception) when (exception is OrleansException or StorageUnavailableException or TimeoutException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            FeedLog.UnsubscribeFailed(logger, exception, Kind, Id);
            if (subscription.IsCompletedSuccessfully)
            {
                metrics.SubscriptionRemoved();
            }
        }
    }

    private async Task<StreamSubscriptionHandle<T>> SubscribeAsync()
    {
        var stream = client.GetStreamProvider(TaskStreams.ProviderName).GetStream<T>(source.StreamFor(Id));
        var handle = await stream.SubscribeAsync(OnNextAsync, OnErrorAsync);
        metrics.SubscriptionAdded();
        FeedLog.Subscribed(logger, Kind, Id);
        return handle;
    }

    private Task OnNextAsync(T snapshot, StreamSequenceToken? token)
    {
        Volatile.Write(ref _lastHeard, time.GetTimestamp());
        if (filter?.Deliver(snapshot) == false)
        {
            return Task.CompletedTask;
        }

        Deliver(snapshot);
        return Task.CompletedTask;
    }

    /// <summary>Queues the event to every listener in order here, then wakes them on the send threads.</summary>
    private void Deliver(T snapshot)
    {
        var listeners = Volatile.Read(ref _listeners);
        foreach (var listener in listeners.Listeners)
        {
            listener.Queue(snapshot);
        }

        listeners.Schedule();
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
