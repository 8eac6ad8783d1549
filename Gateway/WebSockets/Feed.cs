using Orleans.Streams;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// This gateway's one subscription to the stream of one task or batch, shared by every socket
/// watching it. Events are handed to each listener without waiting for any socket.
/// </summary>
public sealed class Feed<T>(
    IFeedKind<T> kind, Guid id, IClusterClient client, GatewayMetrics metrics, TimeProvider time, SendThreads sendThreads, IFeedEventFilter? filter, ILogger logger)
    : IFeed
    where T : class, IFeedSnapshot
{
    private readonly Lock _lock = new();

    // Replaced, never changed, when a listener comes or goes: each event reads it without a copy.
    private ListenerWakeUp<T> _listeners = new([], sendThreads);
    private Task<StreamSubscriptionHandle<T>>? _subscription;
    private long _lastHeard = time.GetTimestamp();
    private bool _streamFailed;

    public Guid Id { get; } = id;

    public string Kind => kind.Name;

    /// <summary>True once the stream reported an error, or nothing was heard for <paramref name="silence"/>.</summary>
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
    public async Task ReconcileAsync()
    {
        Volatile.Write(ref _lastHeard, time.GetTimestamp());
        var snapshot = await kind.ReadAsync(client, Id);
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

    public void Attach(IFeedListener<T> listener)
    {
        lock (_lock)
        {
            _listeners = new([.. _listeners.Listeners, listener], sendThreads);
            _subscription ??= SubscribeAsync();
        }
    }

    public void Detach(IFeedListener<T> listener)
    {
        lock (_lock)
        {
            _listeners = new([.. _listeners.Listeners.Where(attached => attached != listener)], sendThreads);
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
            await handle.UnsubscribeAsync();
            metrics.SubscriptionRemoved();
            FeedLog.Unsubscribed(logger, Kind, Id);
        }
        catch (Exception exception) when (exception is OrleansException or StorageUnavailableException or TimeoutException or InvalidOperationException or OperationCanceledException)
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
        var stream = client.GetStreamProvider(TaskStreams.ProviderName).GetStream<T>(kind.StreamFor(Id));
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
