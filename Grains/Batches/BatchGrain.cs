using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using OrleansTasks.Tasks;

namespace OrleansTasks.Batches;

/// <summary>
/// A batch of tasks. It creates them, then follows them: every published change of a task reaches
/// it as a one-way call (best effort, rolled up and published at most
/// <see cref="TasksOptions.ProgressEventsPerSecond"/> times a second), and every task's end reaches
/// it reliably (repeated until acknowledged), is persisted and published at once.
/// </summary>
[GrainType("index-batch")]
public sealed partial class BatchGrain(
    [PersistentState("batch", StorageNames.Tasks)] IPersistentState<BatchState> state,
    IOptions<TasksOptions> options,
    TimeProvider time,
    ILogger<BatchGrain> logger) : Grain, IBatchGrain, ITaskFollower
{
    private const long SeqReservation = 1000;

    private readonly TasksOptions _options = options.Value;
    private IAsyncStream<BatchSnapshot> _stream = null!;
    private BatchSnapshot? _published;
    private bool _changed;
    private IGrainTimer? _publishTimer;

    private BatchState S => state.State;

    private Guid BatchId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stream = this.GetStreamProvider(TaskStreams.ProviderName).GetStream<BatchSnapshot>(TaskStreams.ForBatch(BatchId));
        if (!S.Accepted)
        {
            return;
        }

        if (!S.Created)
        {
            await AbandonInterruptedCreationAsync();
        }

        if (S.FinishedAt is null)
        {
            // Changes heard by an earlier activation may have been published above the last write.
            S.Seq = S.SeqReservedUpTo;
            S.SeqReservedUpTo = S.Seq + SeqReservation;
            await state.WriteStateAsync(cancellationToken);
            await RefreshTasksAsync();
            if (S.CancelledBy is not null)
            {
                await CancelUnfinishedTasksAsync();
            }
        }

        _published = BuildSnapshot();
    }

    public async Task<BatchSnapshot> Create(CreateBatch request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (S.Accepted)
        {
            return _published ?? BuildSnapshot();
        }

        var order = BatchPlan.Order(request, _options, out var refs);
        await CheckExistingDependenciesAsync(request);

        var ids = request.Tasks.Select(_ => Guid.NewGuid()).ToArray();
        var now = time.GetUtcNow();
        state.State = new BatchState
        {
            Accepted = true,
            OwnerId = request.OwnerId,
            CreatedAt = now,
            UpdatedAt = now,
            Seq = 1,
            SeqReservedUpTo = 1 + SeqReservation,
            Tasks = [.. request.Tasks.Select((task, i) => new GroupTask(
                ids[i], refs[i], HasDependencies(task) ? IndexTaskStatus.Waiting : IndexTaskStatus.Pending,
                0, task.Documents.IsDefault ? 0 : task.Documents.Length, new TaskCounts(0, 0, 0), 0))],
        };
        await state.WriteStateAsync();

        var indexOf = refs.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        var created = new List<Guid>();
        try
        {
            foreach (var i in order)
            {
                var spec = request.Tasks[i];
                var dependsOn = (spec.After.IsDefault ? [] : spec.After).Select(name => ids[indexOf[name]])
                    .Concat(spec.DependsOn.IsDefault ? [] : spec.DependsOn);
                var started = await GrainFactory.GetGrain<IIndexTaskGrain>(ids[i]).Start(new StartIndexTask(
                    request.OwnerId, spec.Collection, spec.Documents, spec.Source, [.. dependsOn], BatchId));
                created.Add(ids[i]);
                Track(GroupTask.From(started, refs[i]));
            }
        }
        catch (InvalidTaskRequestException exception)
        {
            // A task refused what the plan could not check in advance (a directory that cannot be
            // read): take back what was created, so that the batch leaves nothing behind.
            await RemoveTasksAsync(created);
            await state.ClearStateAsync();
            state.State = new BatchState();
            var index = order.First(i => !created.Contains(ids[i]));
            throw new InvalidTaskRequestException($"tasks[{index}].{exception.Field}", exception.Message);
        }

        S.Created = true;
        await CommitAsync();
        Log.Created(logger, BatchId, S.OwnerId, S.Tasks.Count);
        await GrainFactory.GetGrain<IUserListGrain>(IUserListGrain.Batches(S.OwnerId)).Add(BatchId, S.CreatedAt);
        return _published!;
    }

    public Task<BatchSnapshot?> GetSnapshot() => Task.FromResult(S.Accepted ? _published ?? BuildSnapshot() : null);

    public async Task<CancelOutcome> Cancel(string cancelledBy)
    {
        if (!CancelledBy.IsValid(cancelledBy))
        {
            throw new InvalidTaskRequestException("cancelled_by", "'cancelled_by' must be user:, batch:, dependency: or service: followed by a name.");
        }

        if (!S.Accepted)
        {
            return CancelOutcome.NotFound;
        }

        if (S.FinishedAt is not null || S.CancelledBy is not null)
        {
            return CancelOutcome.AlreadyEnded;
        }

        S.CancelledBy = cancelledBy;
        await CommitAsync();
        Log.Cancelling(logger, BatchId, cancelledBy);
        await CancelUnfinishedTasksAsync();
        return CancelOutcome.Cancelled;
    }

    public async Task OnTaskEnded(IndexTaskSnapshot final)
    {
        ArgumentNullException.ThrowIfNull(final);
        if (S.Accepted && Track(GroupTask.From(final)))
        {
            await CommitAsync();
        }

        GrainFactory.GetGrain<IIndexTaskWorker>(final.TaskId).Acknowledge(this.GetGrainId()).Ignore();
    }

    public Task OnTaskChanged(IndexTaskSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (S.Accepted && !snapshot.IsTerminal && Track(GroupTask.From(snapshot)))
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

    /// <summary>Takes in a task's newer state; true when it was newer. A task's reference is kept from creation.</summary>
    private bool Track(GroupTask update)
    {
        var index = S.Tasks.FindIndex(task => task.TaskId == update.TaskId);
        if (index < 0 || S.Tasks[index].Seq >= update.Seq || S.Tasks[index].Status.IsTerminal())
        {
            return false;
        }

        S.Tasks[index] = update with { Ref = S.Tasks[index].Ref };
        S.UpdatedAt = time.GetUtcNow();
        return true;
    }

    private async Task PublishChangesAsync(CancellationToken cancellationToken)
    {
        _publishTimer?.Dispose();
        _publishTimer = null;
        if (!_changed || S.FinishedAt is not null)
        {
            return;
        }

        _changed = false;
        S.Seq++;
        if (S.Seq >= S.SeqReservedUpTo)
        {
            S.SeqReservedUpTo = S.Seq + SeqReservation;
            await state.WriteStateAsync(cancellationToken);
        }

        await PublishAsync(BuildSnapshot());
    }

    /// <summary>A change that must not be lost: persisted, then published; ends the batch once every task has ended.</summary>
    private async Task CommitAsync()
    {
        var before = S.Copy();
        S.Seq++;
        S.SeqReservedUpTo = S.Seq + SeqReservation;
        S.UpdatedAt = time.GetUtcNow();
        var snapshot = BuildSnapshot();
        if (S.Created && S.FinishedAt is null && snapshot.Rollup.Tasks.Unfinished == 0)
        {
            S.FinishedAt = S.UpdatedAt;
            snapshot = BuildSnapshot();
        }

        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            before.Seq = S.Seq;
            before.SeqReservedUpTo = Math.Max(before.SeqReservedUpTo, S.SeqReservedUpTo);
            state.State = before;
            throw;
        }

        _changed = false;
        if (snapshot.IsTerminal)
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
            var found = await Task.WhenAll(dependsOn.Select(id => GrainFactory.GetGrain<IIndexTaskGrain>(id).GetSnapshot()));
            for (var j = 0; j < dependsOn.Length; j++)
            {
                if (found[j] is not { } dependency || dependency.OwnerId != request.OwnerId)
                {
                    throw new InvalidTaskRequestException($"tasks[{i}].depends_on[{j}]", $"Task {dependsOn[j]} does not exist.");
                }
            }
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
                Track(GroupTask.From(snapshot));
            }
        }
    }

    private async Task CancelUnfinishedTasksAsync()
    {
        var cancelledBy = CancelledBy.Batch(BatchId);
        var unfinished = S.Tasks.Where(task => !task.Status.IsTerminal()).Select(task => task.TaskId).ToList();
        await Task.WhenAll(unfinished.Select(id => GrainFactory.GetGrain<IIndexTaskGrain>(id).Cancel(cancelledBy)));
    }

    /// <summary>
    /// The silo stopped while this batch was creating its tasks, and the caller got an error: the
    /// tasks already created are cancelled and the others marked cancelled, so the batch ends.
    /// </summary>
    private async Task AbandonInterruptedCreationAsync()
    {
        var cancelledBy = CancelledBy.Batch(BatchId);
        for (var i = 0; i < S.Tasks.Count; i++)
        {
            var outcome = await GrainFactory.GetGrain<IIndexTaskGrain>(S.Tasks[i].TaskId).Cancel(cancelledBy);
            if (outcome == CancelOutcome.NotFound)
            {
                S.Tasks[i] = S.Tasks[i] with { Status = IndexTaskStatus.Cancelled };
            }
        }

        S.Created = true;
        S.CancelledBy = cancelledBy;
        S.Interrupted = BatchMessages.CreationInterrupted;
        await state.WriteStateAsync();
        Log.CreationInterrupted(logger, BatchId);
    }

    private async Task RemoveTasksAsync(IReadOnlyList<Guid> created)
    {
        foreach (var id in created)
        {
            await GrainFactory.GetGrain<IIndexTaskGrain>(id).Cancel(CancelledBy.Batch(BatchId));
            await GrainFactory.GetGrain<IIndexTaskWorker>(id).Purge();
        }
    }
}
