using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace OrleansTasks.Feeds;

/// <summary>
/// This process's one subscription to an owner's feed of task changes (or everyone's), shared by
/// every listener following it. Reconciliation reads back from their grains the unfinished tasks
/// it has heard of that have been silent for the silence timeout (at most
/// <see cref="ReadsPerSweep"/> a sweep), and, after the stream reported an error, the newest
/// <see cref="HistoryRows"/> rows of the scope's task history.
/// </summary>
public sealed class OwnerFeed(
    OwnerScope scope, IClusterClient client, IFeedMetrics metrics, TimeProvider time, IFeedScheduler wakeUps, ILogger logger)
    : IFeed
{
    /// <summary>Tasks read back from their grains in one sweep at most.</summary>
    public const int ReadsPerSweep = 256;

    /// <summary>History rows read after a stream error.</summary>
    public const int HistoryRows = 100;

    private static readonly TimeSpan UnsubscribeLimit = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly UnfinishedTasks _unfinished = new(time);
    private ListenerWakeUp<TaskSummary> _listeners = new([], wakeUps);
    private Task<StreamSubscriptionHandle<TaskSummary>>? _subscription;
    private bool _streamFailed;
    private TimeSpan _silence = TimeSpan.MaxValue;

    /// <summary>Whose tasks the feed follows.</summary>
    public OwnerScope Scope { get; } = scope;

    /// <inheritdoc/>
    public string Kind => "owner feed";

    /// <inheritdoc/>
    public string Key => Scope.ToString();

    /// <summary>Listeners currently attached; changed only under the registry's lock.</summary>
    public int ListenerCount => Volatile.Read(ref _listeners).Listeners.Length;

    /// <inheritdoc/>
    public bool NeedsReconciliation(TimeSpan silence)
    {
        lock (_lock)
        {
            _silence = silence;
            return _streamFailed || _unfinished.AnySilent(silence);
        }
    }

    /// <inheritdoc/>
    public async Task ReconcileAsync()
    {
        IReadOnlyList<Guid> silent;
        bool streamFailed;
        lock (_lock)
        {
            silent = _unfinished.TakeSilent(_silence, ReadsPerSweep);
            streamFailed = _streamFailed;
        }

        var reads = Task.WhenAll(silent.Select(ReadTaskAsync));
        try
        {
            if (streamFailed)
            {
                await ReadHistoryAsync();
            }
        }
        finally
        {
            // Awaited even when history failed, so that no read's failure goes unobserved.
            await reads;
        }

        metrics.Reconciled();
    }

    /// <summary>Adds a listener; the first one subscribes the feed to its stream.</summary>
    public void Attach(IFeedListener<TaskSummary> listener)
    {
        lock (_lock)
        {
            _listeners = new([.. _listeners.Listeners, listener], wakeUps);
            _subscription ??= SubscribeAsync();
        }
    }

    /// <summary>Removes a listener; the registry unsubscribes once none is left.</summary>
    public void Detach(IFeedListener<TaskSummary> listener)
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

    /// <summary>Gives the stream subscription back, waiting at most 10 s for the cluster; a failure is logged.</summary>
    public async Task UnsubscribeAsync()
    {
        Task<StreamSubscriptionHandle<TaskSummary>>? subscription;
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
        }
        catch (Exception exception) when (exception is OrleansException or StorageUnavailableException or TimeoutException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            OwnerFeedLog.UnsubscribeFailed(logger, exception, Key);
            if (subscription.IsCompletedSuccessfully)
            {
                metrics.SubscriptionRemoved();
            }
        }
    }

    /// <summary>After a stream error: the scope's newest tasks, as history has them (rows of an older release, without a seq, are left out).</summary>
    private async Task ReadHistoryAsync()
    {
        var page = await client.GetGrain<ITaskHistoryGrain>(0).List(new HistoryQuery(Scope.OwnerId, Limit: HistoryRows));
        foreach (var row in page.Items.Where(row => row.Seq > 0))
        {
            Heard(row);
        }

        lock (_lock)
        {
            _streamFailed = false;
        }
    }

    private async Task ReadTaskAsync(Guid taskId)
    {
        var snapshot = await client.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot();
        if (snapshot is null)
        {
            lock (_lock)
            {
                _unfinished.Forget(taskId);
            }

            return;
        }

        Heard(TaskSummary.From(snapshot));
    }

    private async Task<StreamSubscriptionHandle<TaskSummary>> SubscribeAsync()
    {
        var stream = client.GetStreamProvider(TaskStreams.ProviderName).GetStream<TaskSummary>(Scope.Stream);
        var handle = await stream.SubscribeAsync(OnNextAsync, OnErrorAsync);
        metrics.SubscriptionAdded();
        return handle;
    }

    private Task OnNextAsync(TaskSummary change, StreamSequenceToken? token)
    {
        Heard(change);
        return Task.CompletedTask;
    }

    /// <summary>Notes the change and queues it to every listener, then wakes them.</summary>
    private void Heard(TaskSummary change)
    {
        lock (_lock)
        {
            _unfinished.Heard(change);
        }

        var listeners = Volatile.Read(ref _listeners);
        foreach (var listener in listeners.Listeners)
        {
            listener.Queue(change);
        }

        listeners.Schedule();
    }

    private Task OnErrorAsync(Exception exception)
    {
        OwnerFeedLog.StreamError(logger, exception, Key);
        lock (_lock)
        {
            _streamFailed = true;
        }

        return Task.CompletedTask;
    }
}
