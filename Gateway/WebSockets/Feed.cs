using Orleans.Streams;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// This gateway's one subscription to one task's stream, shared by every socket watching the
/// task. Events are handed to each listener without waiting for any socket.
/// </summary>
public sealed partial class TaskFeed(
    Guid taskId, IClusterClient client, GatewayMetrics metrics, TimeProvider time, ITaskEventFilter? filter, ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly List<ITaskListener> _listeners = [];
    private Task<StreamSubscriptionHandle<IndexTaskSnapshot>>? _subscription;
    private long _lastHeard = time.GetTimestamp();
    private bool _streamFailed;

    public Guid TaskId { get; } = taskId;

    /// <summary>True once the stream reported an error, or nothing was heard for <paramref name="silence"/>.</summary>
    public bool NeedsReconciliation(TimeSpan silence)
    {
        lock (_lock)
        {
            return _streamFailed || time.GetElapsedTime(Volatile.Read(ref _lastHeard)) >= silence;
        }
    }

    /// <summary>
    /// Reads the task's snapshot from its grain and hands it to every listener, as if the stream
    /// had delivered it; the listeners drop whatever they have already covered.
    /// </summary>
    public async Task ReconcileAsync()
    {
        Volatile.Write(ref _lastHeard, time.GetTimestamp());
        var snapshot = await client.GetGrain<IIndexTaskGrain>(TaskId).GetSnapshot();
        lock (_lock)
        {
            _streamFailed = false;
        }

        if (snapshot is not null)
        {
            Log.Reconciled(logger, TaskId, snapshot.Seq);
            Deliver(snapshot);
        }
    }

    /// <summary>Listeners currently attached; changed only under the registry's lock.</summary>
    public int ListenerCount { get; private set; }

    public void Attach(ITaskListener listener)
    {
        lock (_lock)
        {
            _listeners.Add(listener);
            ListenerCount = _listeners.Count;
            _subscription ??= SubscribeAsync();
        }
    }

    public void Detach(ITaskListener listener)
    {
        lock (_lock)
        {
            _listeners.Remove(listener);
            ListenerCount = _listeners.Count;
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
        Task<StreamSubscriptionHandle<IndexTaskSnapshot>>? subscription;
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
            Log.Unsubscribed(logger, TaskId);
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            Log.UnsubscribeFailed(logger, exception, TaskId);
            if (subscription.IsCompletedSuccessfully)
            {
                metrics.SubscriptionRemoved();
            }
        }
    }

    private async Task<StreamSubscriptionHandle<IndexTaskSnapshot>> SubscribeAsync()
    {
        var stream = client.GetStreamProvider(TaskStreams.ProviderName).GetStream<IndexTaskSnapshot>(TaskStreams.ForTask(TaskId));
        var handle = await stream.SubscribeAsync(OnNextAsync, OnErrorAsync);
        metrics.SubscriptionAdded();
        Log.Subscribed(logger, TaskId);
        return handle;
    }

    private Task OnNextAsync(IndexTaskSnapshot snapshot, StreamSequenceToken? token)
    {
        Volatile.Write(ref _lastHeard, time.GetTimestamp());
        if (filter?.Deliver(snapshot) == false)
        {
            return Task.CompletedTask;
        }

        Deliver(snapshot);
        return Task.CompletedTask;
    }

    private void Deliver(IndexTaskSnapshot snapshot)
    {
        ITaskListener[] listeners;
        lock (_lock)
        {
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            listener.Offer(snapshot);
        }
    }

    private Task OnErrorAsync(Exception exception)
    {
        Log.StreamError(logger, exception, TaskId);
        lock (_lock)
        {
            _streamFailed = true;
        }

        return Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Subscribed to the stream of task {TaskId}")]
        public static partial void Subscribed(ILogger logger, Guid taskId);

        [LoggerMessage(2, LogLevel.Debug, "Unsubscribed from the stream of task {TaskId}")]
        public static partial void Unsubscribed(ILogger logger, Guid taskId);

        [LoggerMessage(3, LogLevel.Warning, "Unsubscribing from the stream of task {TaskId} failed")]
        public static partial void UnsubscribeFailed(ILogger logger, Exception exception, Guid taskId);

        [LoggerMessage(4, LogLevel.Warning, "The stream of task {TaskId} reported an error")]
        public static partial void StreamError(ILogger logger, Exception exception, Guid taskId);

        [LoggerMessage(5, LogLevel.Debug, "Task {TaskId} reconciled against its grain at seq {Seq}")]
        public static partial void Reconciled(ILogger logger, Guid taskId, long seq);
    }
}
