using Microsoft.Extensions.Logging;

namespace OrleansTasks.Feeds;

/// <summary>
/// This process's one subscription to an owner's feed of task changes (or everyone's), shared by
/// every listener following it. Changes that repeat or precede what the feed has delivered (an end
/// published again by a new activation, a stale read) are dropped here, for every listener.
/// Reconciliation reads back from their grains the unfinished tasks it has heard of that have been
/// silent too long (see <see cref="KnownTasks"/>; at most <see cref="ReadsPerSweep"/> a
/// sweep), and, after the stream reported an error, the newest <see cref="HistoryRows"/> rows of
/// the scope's task history.
/// </summary>
internal sealed class OwnerFeed(
    OwnerScope scope, IClusterClient client, IFeedMetrics metrics, TimeProvider time, IFeedScheduler wakeUps, ILogger logger)
    : IFeed
{
    /// <summary>Tasks read back from their grains in one sweep at most.</summary>
    public const int ReadsPerSweep = 256;

    /// <summary>History rows read after a stream error.</summary>
    public const int HistoryRows = 100;

    private readonly Lock _lock = new();
    private readonly KnownTasks _known = new(time);
    private StreamSubscription<TaskSummary>? _subscription;
    private bool _streamFailed;
    private TimeSpan _silence = TimeSpan.MaxValue;

    /// <summary>Whose tasks the feed follows.</summary>
    public OwnerScope Scope { get; } = scope;

    /// <inheritdoc/>
    public string Kind => "owner feed";

    /// <inheritdoc/>
    public string Key => Scope.ToString();

    /// <summary>Listeners currently attached; changed only under the registry's lock.</summary>
    public int ListenerCount => Subscription.ListenerCount;

    /// <inheritdoc/>
    public bool NeedsReconciliation(TimeSpan silence)
    {
        lock (_lock)
        {
            _silence = silence;
            return _streamFailed || _known.AnySilent(silence);
        }
    }

    /// <inheritdoc/>
    public async Task ReconcileAsync()
    {
        IReadOnlyList<Guid> silent;
        bool streamFailed;
        lock (_lock)
        {
            silent = _known.TakeSilent(_silence, ReadsPerSweep);
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
    public void Attach(IFeedListener<TaskSummary> listener) => Subscription.Attach(listener);

    /// <summary>Removes a listener; the registry unsubscribes once none is left.</summary>
    public void Detach(IFeedListener<TaskSummary> listener) => Subscription.Detach(listener);

    /// <summary>Completes once the stream subscription is in place; throws if it could not be made.</summary>
    public Task WhenSubscribedAsync() => Subscription.WhenSubscribedAsync();

    /// <summary>Gives the stream subscription back (see <see cref="StreamSubscription{T}.UnsubscribeAsync"/>).</summary>
    public Task UnsubscribeAsync() => Subscription.UnsubscribeAsync();

    private StreamSubscription<TaskSummary> Subscription => LazyInitializer.EnsureInitialized(ref _subscription, () =>
        new StreamSubscription<TaskSummary>(client, Scope.Stream, metrics, time, wakeUps, OnNextAsync, OnErrorAsync, Kind, Key, logger));

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
                _known.Forget(taskId);
            }

            return;
        }

        Heard(TaskSummary.From(snapshot));
    }

    private Task OnNextAsync(TaskSummary change)
    {
        Heard(change);
        return Task.CompletedTask;
    }

    /// <summary>Notes the change and, when it is news, queues it to every listener and wakes them.</summary>
    private void Heard(TaskSummary change)
    {
        lock (_lock)
        {
            if (!_known.Take(change))
            {
                return;
            }
        }

        Subscription.Deliver(change);
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
