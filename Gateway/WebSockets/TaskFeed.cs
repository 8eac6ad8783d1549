using Orleans.Streams;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// This gateway's one subscription to one task's stream, shared by every socket watching the
/// task. Events are handed to each listener without waiting for any socket.
/// </summary>
public sealed partial class TaskFeed(Guid taskId, IClusterClient client, GatewayMetrics metrics, ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly List<ITaskListener> _listeners = [];
    private Task<StreamSubscriptionHandle<IndexTaskSnapshot>>? _subscription;

    public Guid TaskId { get; } = taskId;

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
        ITaskListener[] listeners;
        lock (_lock)
        {
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            listener.Offer(snapshot);
        }

        return Task.CompletedTask;
    }

    private Task OnErrorAsync(Exception exception)
    {
        Log.StreamError(logger, exception, TaskId);
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
    }
}
