using Microsoft.Extensions.Logging;

namespace OrleansTasks.Feeds;

/// <summary>
/// This process's one subscription to an owner's feed (or everyone's), shared by every listener
/// following it: the tasks' stream (<see cref="TaskSummary"/>) and the lists' stream (batches and
/// schedules, see <see cref="TaskStreams.ForOwnerLists"/>), delivered as one. Changes that repeat or
/// precede what the feed has delivered (an end published again by a new activation, a stale read)
/// are dropped here, for every listener. Reconciliation reads back from their grains the unfinished
/// items it has heard of that have been silent too long (see <see cref="KnownItems"/>; at most
/// <see cref="ReadsPerSweep"/> a sweep; a schedule that is gone is delivered as deleted), and, after
/// a stream reported an error, the newest <see cref="HistoryRows"/> rows of the scope's task
/// history, the newest <see cref="ListRows"/> batches and schedules of its owner, and every
/// schedule it knows (at most <see cref="ReadsPerSweep"/>).
/// </summary>
internal sealed class OwnerFeed(
    OwnerScope scope, IClusterClient client, IFeedMetrics metrics, TimeProvider time, IFeedScheduler wakeUps, ILogger logger)
    : IFeed
{
    /// <summary>Items read back from their grains in one sweep at most.</summary>
    public const int ReadsPerSweep = 256;

    /// <summary>History rows read after a stream error.</summary>
    public const int HistoryRows = 100;

    /// <summary>Batches and schedules (each) read after a stream error.</summary>
    public const int ListRows = 50;

    private readonly Lock _lock = new();
    private readonly KnownItems _known = new(time);
    private StreamSubscription<TaskSummary>? _tasks;
    private StreamSubscription<IOwnerFeedItem>? _lists;
    private bool _streamFailed;
    private TimeSpan _silence = TimeSpan.MaxValue;

    /// <summary>Whose tasks, batches and schedules the feed follows.</summary>
    public OwnerScope Scope { get; } = scope;

    /// <inheritdoc/>
    public string Kind => "owner feed";

    /// <inheritdoc/>
    public string Key => Scope.ToString();

    /// <summary>Listeners currently attached; changed only under the registry's lock.</summary>
    public int ListenerCount => Lists.ListenerCount;

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
        IReadOnlyList<IOwnerFeedItem> silent;
        IReadOnlyList<ScheduleSnapshot> schedules;
        bool streamFailed;
        lock (_lock)
        {
            silent = _known.TakeSilent(_silence, ReadsPerSweep);
            streamFailed = _streamFailed;
            schedules = streamFailed ? _known.Schedules(ReadsPerSweep) : [];
        }

        var reads = Task.WhenAll(silent.Select(ReadBackAsync));
        try
        {
            if (streamFailed)
            {
                await Task.WhenAll(ReadHistoryAsync(), ReadListsAsync(schedules));
                lock (_lock)
                {
                    _streamFailed = false;
                }
            }
        }
        finally
        {
            // Awaited even when history failed, so that no read's failure goes unobserved.
            await reads;
        }

        metrics.Reconciled();
    }

    /// <summary>Adds a listener; the first one subscribes the feed to its streams.</summary>
    public void Attach(IFeedListener<IOwnerFeedItem> listener)
    {
        Tasks.Attach(listener);
        Lists.Attach(listener);
    }

    /// <summary>Removes a listener; the registry unsubscribes once none is left.</summary>
    public void Detach(IFeedListener<IOwnerFeedItem> listener)
    {
        Tasks.Detach(listener);
        Lists.Detach(listener);
    }

    /// <summary>Completes once both stream subscriptions are in place; throws if one could not be made.</summary>
    public Task WhenSubscribedAsync() => Task.WhenAll(Tasks.WhenSubscribedAsync(), Lists.WhenSubscribedAsync());

    /// <summary>Gives the stream subscriptions back (see <see cref="StreamSubscription{T}.UnsubscribeAsync"/>).</summary>
    public Task UnsubscribeAsync() => Task.WhenAll(Tasks.UnsubscribeAsync(), Lists.UnsubscribeAsync());

    private StreamSubscription<TaskSummary> Tasks => LazyInitializer.EnsureInitialized(ref _tasks, () =>
        new StreamSubscription<TaskSummary>(client, Scope.Stream, metrics, time, wakeUps, OnNextAsync, OnErrorAsync, Kind, Key, logger));

    // Every change is delivered through this one: both have the same listeners.
    private StreamSubscription<IOwnerFeedItem> Lists => LazyInitializer.EnsureInitialized(ref _lists, () =>
        new StreamSubscription<IOwnerFeedItem>(client, Scope.ListsStream, metrics, time, wakeUps, OnNextAsync, OnErrorAsync, Kind, Key, logger));

    /// <summary>After a stream error: the scope's newest tasks, as history has them (rows of an older release, without a seq, are left out).</summary>
    private async Task ReadHistoryAsync()
    {
        var page = await client.GetGrain<ITaskHistoryGrain>(0).List(new HistoryQuery(Scope.OwnerId, Limit: HistoryRows));
        foreach (var row in page.Items.Where(row => row.Seq > 0))
        {
            Heard(row);
        }
    }

    /// <summary>
    /// After a stream error: the schedules the feed knows (a lost deletion or pause is found so) and
    /// the owner's newest batches and schedules (everyone's have no list to read).
    /// </summary>
    private async Task ReadListsAsync(IReadOnlyList<ScheduleSnapshot> known)
    {
        var schedules = known.ToDictionary(schedule => schedule.ScheduleId, schedule => (ScheduleSnapshot?)schedule);
        IEnumerable<Guid> batches = [];
        if (Scope.OwnerId is { } ownerId)
        {
            batches = (await client.GetGrain<IUserListGrain>(IUserListGrain.Batches(ownerId)).List(null, ListRows)).Ids;
            foreach (var id in (await client.GetGrain<IUserListGrain>(IUserListGrain.Schedules(ownerId)).List(null, ListRows)).Ids)
            {
                schedules.TryAdd(id, null);
            }
        }

        await Task.WhenAll(
            batches.Select(id => ReadBatchAsync(id)).Concat(schedules.Select(schedule => ReadScheduleAsync(schedule.Key, schedule.Value))));
    }

    private Task ReadBackAsync(IOwnerFeedItem item) => item switch
    {
        ScheduleSnapshot schedule => ReadScheduleAsync(schedule.ScheduleId, schedule),
        BatchSnapshot batch => ReadBatchAsync(batch.BatchId),
        _ => ReadTaskAsync(item.ItemId),
    };

    private async Task ReadTaskAsync(Guid taskId)
    {
        var snapshot = await client.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot();
        HeardOrForget(taskId, snapshot is null ? null : TaskSummary.From(snapshot));
    }

    private async Task ReadBatchAsync(Guid batchId) =>
        HeardOrForget(batchId, (await client.GetGrain<IBatchGrain>(batchId).GetSnapshot())?.WithoutTasks());

    /// <summary>A schedule the feed knew of that is gone has been deleted: that is delivered (once).</summary>
    private async Task ReadScheduleAsync(Guid scheduleId, ScheduleSnapshot? known) =>
        HeardOrForget(scheduleId, await client.GetGrain<IScheduleGrain>(scheduleId).GetSnapshot()
            ?? known?.WithDeleted(known.Seq + 1, time.GetUtcNow()));

    private void HeardOrForget(Guid itemId, IOwnerFeedItem? read)
    {
        if (read is not null)
        {
            Heard(read);
            return;
        }

        lock (_lock)
        {
            _known.Forget(itemId);
        }
    }

    private Task OnNextAsync(IOwnerFeedItem change)
    {
        Heard(change);
        return Task.CompletedTask;
    }

    /// <summary>Notes the change and, when it is news, queues it to every listener and wakes them.</summary>
    private void Heard(IOwnerFeedItem change)
    {
        lock (_lock)
        {
            if (!_known.Take(change))
            {
                return;
            }
        }

        Lists.Deliver(change);
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
