using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace OrleansTasks.Feeds;

/// <summary>
/// One stream subscription shared by a feed's listeners: the first listener subscribes, the
/// feed's registry unsubscribes once none is left. Events are queued to each listener without
/// waiting for any of them, then the listeners are woken. What a feed does with an event or an
/// error before delivering it (<see cref="Feed{T}"/>, <see cref="OwnerFeed"/>) it passes in.
/// </summary>
internal sealed class StreamSubscription<T>(
    IClusterClient client,
    StreamId stream,
    IFeedMetrics metrics,
    TimeProvider time,
    IFeedScheduler wakeUps,
    Func<T, Task> onNext,
    Func<Exception, Task> onError,
    string kind,
    string key,
    ILogger logger)
    where T : class, IFeedSnapshot
{
    // How long giving a subscription back may wait for the cluster before it is logged as failed.
    private static readonly TimeSpan UnsubscribeLimit = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();

    // Replaced, never changed, when a listener comes or goes: each event reads it without a copy.
    private ListenerWakeUp<T> _listeners = new([], wakeUps);
    private Task<StreamSubscriptionHandle<T>>? _subscription;

    /// <summary>Listeners currently attached; changed only under the registry's lock.</summary>
    public int ListenerCount => Volatile.Read(ref _listeners).Listeners.Length;

    /// <summary>Adds a listener; the first one subscribes to the stream.</summary>
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

    /// <summary>Queues <paramref name="snapshot"/> to every listener in order here, then wakes them on the send threads.</summary>
    public void Deliver(T snapshot)
    {
        var listeners = Volatile.Read(ref _listeners);
        foreach (var listener in listeners.Listeners)
        {
            listener.Queue(snapshot);
        }

        listeners.Schedule();
    }

    /// <summary>
    /// Gives the stream subscription back, waiting at most 10 s for the cluster; a failure is
    /// logged, as the pulling agents drop stale subscribers themselves.
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
            FeedLog.Unsubscribed(logger, kind, key);
        }
        catch (Exception exception) when (exception is OrleansException or StorageUnavailableException or TimeoutException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            FeedLog.UnsubscribeFailed(logger, exception, kind, key);
            if (subscription.IsCompletedSuccessfully)
            {
                metrics.SubscriptionRemoved();
            }
        }
    }

    private async Task<StreamSubscriptionHandle<T>> SubscribeAsync()
    {
        var handle = await client.GetStreamProvider(TaskStreams.ProviderName).GetStream<T>(stream)
            .SubscribeAsync((snapshot, _) => onNext(snapshot), onError);
        metrics.SubscriptionAdded();
        FeedLog.Subscribed(logger, kind, key);
        return handle;
    }
}
