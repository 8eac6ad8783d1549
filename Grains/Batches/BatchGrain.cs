using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Streams;
using Orleans.Timers;
using OrleansTasks.Leases;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;

namespace OrleansTasks.Batches;

/// <summary>
/// A batch of tasks. It creates them, then follows them: every published change of a task reaches
/// it as a one-way call (best effort, rolled up and published at most
/// <see cref="TasksOptions.ProgressEventsPerSecond"/> times a second), and every task's end reaches
/// it reliably (repeated until acknowledged), is persisted and published at once. Every write goes
/// through <see cref="DurableState{TState}"/>, so memory never holds a change storage refused.
/// </summary>
[GrainType("index-batch")]
public sealed partial class BatchGrain(
    [PersistentState("batch", StorageNames.Tasks)] IPersistentState<BatchState> state,
    DeepCopier copier,
    Hosting.ISiloStanding standing,
    IOptions<TasksOptions> options,
    TimeProvider time,
    ILogger<BatchGrain> logger) : Grain, IBatchGrain, IBatchRetry, IBatchRetryWorker, ITaskFollower, IRemindable
{
    private readonly TasksOptions _options = options.Value;
    private IAsyncStream<BatchSnapshot> _stream = null!;
    private BatchSnapshot? _published;
    private bool _changed;
    private IGrainTimer? _publishTimer;
    private DurableState<BatchState>? _durable;

    private DurableState<BatchState> Durable => _durable ??= new(state, copier, DeactivateOnIdle);

    private BatchState S => state.State;

    private Guid BatchId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stream = this.GetStreamProvider(TaskStreams.ProviderName).GetStream<BatchSnapshot>(TaskStreams.ForBatch(BatchId));
        _lease = new GrainLease(ServiceProvider.GetRequiredService<IReminderRegistry>(), this.GetGrainId(), _options.LeasePeriod, ServiceProvider.GetRequiredService<ILogger<GrainLease>>());
        if (!S.Accepted)
        {
            return;
        }

        if (S.FinishedAt is null)
        {
            // Woken past its declared death, a silo must not take the batch from the live one holding it.
            await standing.EnsureMemberAsync(cancellationToken);

            // Changes heard by an earlier activation may have been published above the last write.
            await Durable.CommitAsync(next =>
            {
                next.Seq = next.SeqReservedUpTo;
                next.SeqReservedUpTo = next.Seq + _options.SeqReservation;
            });
            if (S.Created)
            {
                // Best effort: a task that cannot be reached now reports its changes itself.
                try
                {
                    await RefreshTasksAsync();
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    Log.RefreshIncomplete(logger, exception, BatchId);
                }
            }

            if (S.CancelledBy is not null)
            {
                // Best effort: the lease, held while the batch is cancelled, repeats it.
                try
                {
                    await CancelUnfinishedTasksAsync();
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    Log.CancelIncomplete(logger, exception, BatchId);
                }
            }
        }

        _published = BuildSnapshot();
        if (S.FinishedAt + _options.LeasePeriod * 4 > time.GetUtcNow())
        {
            // The activation before may have stored the end without publishing it (it died, or the
            // write's acknowledgement was lost); watchers take a seq they have seen once.
            await PublishAsync(_published);
        }
    }

    /// <summary>
    /// Creates the batch, or finishes creating it: a call for a batch whose creation failed midway
    /// (a timeout, a storage error) starts the tasks that were not started yet, under the same ids.
    /// </summary>
    public async Task<BatchSnapshot> Create(CreateBatch request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (S.Accepted && (S.Created || S.CancelledBy is not null))
        {
            return _published ?? BuildSnapshot();
        }

        var order = BatchPlan.Order(request, _options, out var refs);
        if (S.Accepted && !S.Tasks.Select(task => task.Ref).SequenceEqual(refs))
        {
            throw new InvalidTaskRequestException("tasks", "This batch id was first used with another list of tasks.");
        }

        if (!S.Accepted)
        {
            await CheckExistingDependenciesAsync(request);

            var ids = request.Tasks.Select(_ => Guid.NewGuid()).ToArray();
            await AcceptAsync(new BatchState
            {
                OwnerId = request.OwnerId,
                Tasks = [.. request.Tasks.Select((task, i) => new GroupTask(
                    ids[i], refs[i], HasDependencies(task) ? IndexTaskStatus.Waiting : IndexTaskStatus.Pending,
                    0, task.Documents.IsDefault ? 0 : task.Documents.Length, new TaskCounts(0, 0, 0), 0))],
            });
        }

        var started = await StartTasksAsync(request, order, refs);
        await FinishCreationAsync(started);
        return _published!;
    }

    /// <summary>
    /// Writes the first state of a new batch (<paramref name="batch"/> with its owner and tasks), under
    /// the lease, which comes first: it abandons a creation that fails midway and is not retried.
    /// </summary>
    private async Task AcceptAsync(BatchState batch)
    {
        await _lease.TakeAsync();
        var now = time.GetUtcNow();
        batch.Accepted = true;
        batch.CreatedAt = now;
        batch.UpdatedAt = now;
        batch.Seq = 1;
        batch.SeqReservedUpTo = 1 + _options.SeqReservation;
        await Durable.WriteAsync(batch);
    }

    /// <summary>Every task is started: the batch is created with their states (and <paramref name="change"/>), listed, and lets its lease go.</summary>
    private async Task FinishCreationAsync(IReadOnlyList<GroupTask> started, Action<BatchState>? change = null)
    {
        await CommitAsync(next =>
        {
            change?.Invoke(next);
            next.Created = true;
            foreach (var task in started)
            {
                Track(next, task);
            }
        });
        Log.Created(logger, BatchId, S.OwnerId, S.Tasks.Count);
        if (await ListAsync())
        {
            await _lease.ReleaseAsync();
        }
    }

    /// <summary>Starts every task in plan order; a task that exists already just answers its state.</summary>
    private async Task<List<GroupTask>> StartTasksAsync(CreateBatch request, IReadOnlyList<int> order, IReadOnlyList<string> refs)
    {
        var ids = S.Tasks.Select(task => task.TaskId).ToArray();
        var indexOf = refs.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        var started = new List<GroupTask>();
        try
        {
            foreach (var i in order)
            {
                var spec = request.Tasks[i];
                var dependsOn = (spec.After.IsDefault ? [] : spec.After).Select(name => ids[indexOf[name]])
                    .Concat(spec.DependsOn.IsDefault ? [] : spec.DependsOn);
                var snapshot = await GrainFactory.GetGrain<IIndexTaskGrain>(ids[i]).Start(new StartIndexTask(
                    request.OwnerId, spec.Collection, spec.Documents, spec.Source, [.. dependsOn], BatchId, Retry: spec.Retry, Timeout: spec.Timeout)
                {
                    Priority = spec.Priority,
                    Upload = spec.Upload,
                    DeleteMissing = spec.DeleteMissing,
                });
                started.Add(GroupTask.From(snapshot, refs[i]));
            }
        }
        catch (InvalidTaskRequestException exception)
        {
            // A task refused what the plan could not check in advance (a directory that cannot be
            // read, an upload that is not the owner's): take back what was created, so that the batch leaves nothing behind.
            await RemoveTasksAsync(started.Select(task => task.TaskId));
            await Durable.ClearAsync(new BatchState());
            await _lease.ReleaseAsync();
            var index = order.First(i => !started.Exists(task => task.TaskId == ids[i]));
            throw new InvalidTaskRequestException($"tasks[{index}].{exception.Field}", exception.Message);
        }

        return started;
    }

    /// <summary>The last published state: a read interleaved with a write never sees what is being written.</summary>
    public Task<BatchSnapshot?> GetSnapshot() => Task.FromResult(_published);

    public async Task<CancelOutcome> Cancel(string cancelledBy)
    {
        CancelledBy.Check(cancelledBy);

        if (!S.Accepted)
        {
            return CancelOutcome.NotFound;
        }

        if (S.FinishedAt is not null || (S.CancelledBy is not null && S.CancelledBy != cancelledBy))
        {
            return CancelOutcome.AlreadyEnded;
        }

        if (!S.Created)
        {
            // Cancelling a batch whose creation failed midway ends its creation.
            await AbandonCreationAsync(cancelledBy);
            return CancelOutcome.Cancelled;
        }

        if (S.CancelledBy is null)
        {
            // The lease finishes cancelling the tasks should this call fail after the write.
            await _lease.TakeAsync();
            await CommitAsync(next => next.CancelledBy = cancelledBy);
            Log.Cancelling(logger, BatchId, cancelledBy);
        }

        // A repeated cancel by the same requester (a retry) finishes what the first one began.
        await CancelUnfinishedTasksAsync();
        return CancelOutcome.Cancelled;
    }

    public async Task OnTaskEnded(IndexTaskSnapshot final)
    {
        ArgumentNullException.ThrowIfNull(final);
        if (Durable.IsRetired)
        {
            return;
        }

        if (S.Accepted && BatchTasks.IsNewer(S.Tasks, GroupTask.From(final)))
        {
            await CommitAsync(next => Track(next, GroupTask.From(final)));
        }

        // Only what storage holds is acknowledged: a failed commit above throws, and the task tells again.
        GrainFactory.GetGrain<IIndexTaskWorker>(final.TaskId).Acknowledge(this.GetGrainId()).Ignore();
    }

    public Task OnTaskChanged(IndexTaskSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);

        // Progress is kept in memory, persisted with the next write and published by the timer.
        if (S.Accepted && !Durable.IsRetired && !snapshot.IsTerminal && Track(S, GroupTask.From(snapshot)))
        {
            _changed = true;
            _publishTimer ??= this.RegisterGrainTimer(PublishChangesAsync, new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.FromSeconds(1.0 / _options.ProgressEventsPerSecond),
                Period = Timeout.InfiniteTimeSpan,
            });
        }

        return Task.CompletedTask;
    }

    /// <summary>Takes a task's newer state into <paramref name="batch"/> (see <see cref="BatchTasks"/>); true when it was newer.</summary>
    private bool Track(BatchState batch, GroupTask update)
    {
        if (!BatchTasks.Track(batch.Tasks, update))
        {
            return false;
        }

        batch.UpdatedAt = time.GetUtcNow();
        return true;
    }

    /// <summary>Publishes rolled-up progress from memory, persisting a new block of <c>seq</c> values before going past the old one.</summary>
    private async Task PublishChangesAsync(CancellationToken cancellationToken)
    {
        _publishTimer?.Dispose();
        _publishTimer = null;
        if (!_changed || S.FinishedAt is not null || Durable.IsRetired)
        {
            return;
        }

        if (S.Seq + 1 >= S.SeqReservedUpTo)
        {
            await Durable.CommitAsync(next => next.SeqReservedUpTo = next.Seq + 1 + _options.SeqReservation);
        }

        _changed = false;
        S.Seq++;
        await PublishAsync(BuildSnapshot());
    }

    /// <summary>A change that must not be lost: persisted, then published; ends the batch once every task has ended.</summary>
    private async Task CommitAsync(Action<BatchState> change)
    {
        var ended = S.FinishedAt is not null;
        await Durable.CommitAsync(batch =>
        {
            change(batch);
            batch.Seq++;
            batch.SeqReservedUpTo = batch.Seq + _options.SeqReservation;
            batch.UpdatedAt = time.GetUtcNow();
            if (batch.Created && batch.FinishedAt is null && TaskGroupProgress.Of(batch.Tasks).Tasks.Unfinished == 0)
            {
                batch.FinishedAt = batch.UpdatedAt;
            }
        });

        _changed = false;
        var snapshot = BuildSnapshot();
        if (snapshot.IsTerminal && !ended)
        {
            Log.Ended(logger, BatchId, snapshot.Status.ToWireName(), snapshot.Message);
        }

        await PublishAsync(snapshot);
    }

    private async Task PublishAsync(BatchSnapshot snapshot)
    {
        _published = snapshot;
        try
        {
            await _stream.OnNextAsync(snapshot);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Persisted already; watchers reconcile against the snapshot.
            Log.PublishFailed(logger, exception, BatchId, snapshot.Seq);
        }

        await PublishToOwnerFeedAsync(snapshot);
    }

    private BatchSnapshot BuildSnapshot()
    {
        var rollup = TaskGroupProgress.Of(S.Tasks);
        return new BatchSnapshot
        {
            BatchId = BatchId,
            OwnerId = S.OwnerId,
            Rollup = rollup,
            Message = BatchMessages.For(rollup, S.CancelledBy, S.Interrupted),
            Seq = S.Seq,
            Tasks = [.. S.Tasks],
            CreatedAt = S.CreatedAt,
            UpdatedAt = S.UpdatedAt,
            FinishedAt = S.FinishedAt,
            CancelledBy = S.CancelledBy,
            RetryOf = S.RetryOf,
            RetriedBy = S.RetriedBy,
        };
    }

    private static bool HasDependencies(BatchTaskSpec task) =>
        !task.After.IsDefaultOrEmpty || !task.DependsOn.IsDefaultOrEmpty;

    /// <summary>Existing tasks named by <c>depends_on</c> must exist and be the owner's; another user's is answered like an unknown one.</summary>
    private async Task CheckExistingDependenciesAsync(CreateBatch request)
    {
        for (var i = 0; i < request.Tasks.Length; i++)
        {
            var dependsOn = request.Tasks[i].DependsOn.IsDefault ? [] : request.Tasks[i].DependsOn;
            var task = i;
            await TaskDependencies.CheckOwnedAsync(GrainFactory, request.OwnerId, dependsOn, j => $"tasks[{task}].depends_on[{j}]");
        }
    }

    /// <summary>Reads every unfinished task's state, for an activation that may have missed changes.</summary>
    private async Task RefreshTasksAsync()
    {
        var unfinished = S.Tasks.Where(task => !task.Status.IsTerminal()).Select(task => task.TaskId).ToList();
        var snapshots = await Task.WhenAll(unfinished.Select(id => GrainFactory.GetGrain<IIndexTaskGrain>(id).GetSnapshot()));
        foreach (var snapshot in snapshots)
        {
            if (snapshot is not null && !snapshot.IsTerminal)
            {
                Track(S, GroupTask.From(snapshot));
            }
        }
    }

    private async Task CancelUnfinishedTasksAsync()
    {
        var cancelledBy = CancelledBy.Batch(BatchId);
        var unfinished = S.Tasks.Where(task => !task.Status.IsTerminal()).Select(task => task.TaskId).ToList();
        await Task.WhenAll(unfinished.Select(id => GrainFactory.GetGrain<IIndexTaskGrain>(id).Cancel(cancelledBy)));
    }

    private async Task RemoveTasksAsync(IEnumerable<Guid> created)
    {
        foreach (var id in created)
        {
            await GrainFactory.GetGrain<IIndexTaskGrain>(id).Cancel(CancelledBy.Batch(BatchId));
            await GrainFactory.GetGrain<IIndexTaskWorker>(id).Purge();
        }
    }
}
