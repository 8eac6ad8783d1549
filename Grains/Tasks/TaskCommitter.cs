using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using OrleansTasks.Storage;

namespace OrleansTasks.Tasks;

/// <summary>
/// The commit path of one index task. Status changes are computed on a copy, persisted, and only
/// then current and published; progress between writes is published from memory within the
/// reserved block of <c>seq</c> values, which every write renews. History rows follow what was
/// published and are retried, never a reason to undo a change. A failed write retires the
/// activation (see <see cref="DurableState{TState}"/>).
/// </summary>
public sealed partial class TaskCommitter
{
    private readonly Guid _taskId;
    private readonly DurableState<IndexTaskState> _durable;
    private readonly Func<IndexTaskSnapshot, Task> _publish;
    private readonly History.ITaskHistory _history;
    private readonly TimeProvider _time;
    private readonly TasksOptions _options;
    private readonly ILogger _logger;
    private readonly Action _retired;
    private readonly RateMeter _rate;
    private bool _commitFailed;
    private bool _progressUnpublished;
    private long _progressPublishes;
    private long _lastProgressPublish;
    private long _lastCheckpoint;

    /// <param name="publish">Sends a snapshot to the task's watchers; its failure is logged, as watchers reconcile.</param>
    /// <param name="retired">Called when a write fails and the activation retires.</param>
    public TaskCommitter(
        Guid taskId,
        IPersistentState<IndexTaskState> state,
        DeepCopier copier,
        Action deactivate,
        Func<IndexTaskSnapshot, Task> publish,
        History.ITaskHistory history,
        TimeProvider time,
        TasksOptions options,
        ILogger logger,
        Action retired)
    {
        _taskId = taskId;
        _durable = new DurableState<IndexTaskState>(state, copier, deactivate);
        _publish = publish;
        _history = history;
        _time = time;
        _options = options;
        _logger = logger;
        _retired = retired;
        _rate = new RateMeter(time);
    }

    /// <summary>The state as last persisted, plus the progress made in memory since.</summary>
    public IndexTaskState State => _durable.Current;

    /// <summary>A write failed: nothing more is written or published, and the activation is being deactivated.</summary>
    public bool Retired => _durable.IsRetired;

    /// <summary>A record of the task was refused as a newer activation's: this activation retires as after a failed write.</summary>
    public void Retire(Exception stale)
    {
        if (Retired)
        {
            return;
        }

        Log.Retired(_logger, stale, _taskId);
        _durable.Retire();
        _retired();
    }

    /// <summary>What watchers last heard (or, after an activation, what storage holds); null before acceptance.</summary>
    public IndexTaskSnapshot? Published { get; private set; }

    /// <summary>True once this activation has published the task's end.</summary>
    public bool EndPublished { get; private set; }

    /// <summary>A history row could not be written; <see cref="CatchUpHistoryAsync"/> writes it.</summary>
    public bool HistoryBehind { get; private set; }

    /// <summary>
    /// Takes up a stored task in a new activation. Progress published by an earlier activation may
    /// have gone above the last checkpoint: an unfinished task continues above everything it could
    /// have used, persisted before anything is published.
    /// </summary>
    /// <param name="fenceOffEarlier">
    /// Called with the reservation this activation read, once its first write has shown that storage
    /// still held that state: from then on no earlier activation adds a result chunk. An activation
    /// whose first write is refused (a silo paused past its declared death activating the task again
    /// as it wakes, while a newer activation runs it elsewhere) fences off nothing, so it cannot fence
    /// off that newer one.
    /// </param>
    public async Task ActivateAsync(Func<long, Task> fenceOffEarlier)
    {
        ArgumentNullException.ThrowIfNull(fenceOffEarlier);
        if (!State.Status.IsTerminal())
        {
            var read = State.SeqReservedUpTo;
            await SaveAsync(next => next.Seq = next.SeqReservedUpTo);
            await fenceOffEarlier(read);
        }

        Published = Snapshot();
        if (!State.Status.IsTerminal() || State.FollowersToNotify.Count > 0 || State.FinishedAt + _options.LeasePeriod * 2 > _time.GetUtcNow())
        {
            // The activation before may have died between its write and its history row.
            await RecordHistoryAsync(Published);
        }
        else
        {
            // Whether the row shows the end is unknown: should the lease still tick (an earlier
            // activation kept it while history was behind), the tick writes the row before letting go.
            HistoryBehind = true;
        }
    }

    /// <summary>Persists and publishes the first state of an accepted task.</summary>
    public async Task AcceptAsync(IndexTaskState accepted)
    {
        await StoreAsync(accepted);
        Published = Snapshot();
        await RecordHistoryAsync(Published);
        await PublishAsync(Published);
    }

    /// <summary>A status change: computed on a copy, persisted, then current, published and recorded.</summary>
    public async Task CommitAsync(Action<IndexTaskState> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var next = _durable.Copy();
        change(next);
        if (next.Status.IsTerminal() && !State.Status.IsTerminal())
        {
            next.FollowersToNotify = [.. next.Followers];
        }

        next.Seq++;
        next.UpdatedAt = _time.GetUtcNow();
        try
        {
            await StoreAsync(next);
        }
        catch
        {
            // The write may have reached storage holding this seq: the waiting message must not reuse it.
            _commitFailed = true;
            throw;
        }

        _progressUnpublished = false;
        Published = Snapshot();
        await PublishAsync(Published);
        EndPublished = State.Status.IsTerminal();
        await RecordHistoryAsync(Published);
    }

    /// <summary>Persists a change that watchers need not hear of (a checkpoint, a new follower).</summary>
    public Task SaveAsync(Action<IndexTaskState> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var next = _durable.Copy();
        change(next);
        return StoreAsync(next);
    }

    /// <summary>Persists the position reached and a new block of <c>seq</c> values; nothing is published.</summary>
    public async Task CheckpointAsync()
    {
        await SaveAsync(_ => { });
        await RecordHistoryAsync(Snapshot());
    }

    public async Task CheckpointIfDueAsync()
    {
        if (_time.GetElapsedTime(_lastCheckpoint) >= _options.CheckpointInterval)
        {
            await CheckpointAsync();
        }
    }

    /// <summary>Removes the task from storage; memory is emptied once that succeeded.</summary>
    public async Task ClearAsync()
    {
        await _durable.ClearAsync(new IndexTaskState());
        Published = null;
    }

    /// <summary>Progress was made in memory; it is published when due.</summary>
    public void ProgressMade() => _progressUnpublished = true;

    public async Task PublishProgressIfDueAsync()
    {
        var interval = TimeSpan.FromSeconds(1.0 / _options.ProgressEventsPerSecond);
        if (!Retired && _progressUnpublished && _time.GetElapsedTime(_lastProgressPublish) >= interval)
        {
            await PublishProgressAsync();
        }
    }

    /// <summary>Publishes progress not yet published, before a change that ends the run.</summary>
    public async Task FlushProgressAsync()
    {
        if (!Retired && _progressUnpublished)
        {
            await PublishProgressAsync();
        }
    }

    /// <summary>Tells watchers, from memory, that the task waits for its database rather than failing.</summary>
    public async Task PublishWaitingForDatabaseAsync()
    {
        if (State.Seq + 1 >= State.SeqReservedUpTo || _commitFailed)
        {
            // A failed status change may have stored the next seq. A failed checkpoint stored none,
            // so even a retired activation may say, within its reservation, that it waits.
            return;
        }

        // Said again unchanged, it would tell watchers nothing and spend a seq of the reservation, which an outage of
        // hours would use up: the task then could not say it waits when something changes.
        var message = TaskMessages.WaitingForDatabase(State.Current, State.Total);
        if (Published is { } last && last.Message == message && last.Status == State.Status)
        {
            return;
        }

        State.Message = message;
        State.Seq++;
        Published = Snapshot();
        await PublishAsync(Published);
    }

    /// <summary>
    /// Publishes the stored end that this activation did not publish (the one before it may have died
    /// or lost its write's acknowledgement first), under the seq it was stored with.
    /// </summary>
    public async Task<bool> PublishStoredEndAsync()
    {
        if (Retired || !State.Status.IsTerminal() || EndPublished || Published is null)
        {
            return false;
        }

        await PublishAsync(Published);
        EndPublished = true;
        return true;
    }

    /// <summary>Writes the history row that could not be written before.</summary>
    public async Task CatchUpHistoryAsync()
    {
        if (HistoryBehind)
        {
            await RecordHistoryAsync(Published ?? Snapshot());
        }
    }

    /// <summary>The state to return to should the next run step fail before a write or a publish.</summary>
    public RollbackPoint Mark() => new(_durable.Copy(), _durable.Writes, _progressPublishes);

    /// <summary>
    /// Undoes the progress made in memory since <paramref name="point"/>, unless a write happened
    /// since (nothing persisted is undone) or that progress was published (watchers must not see it
    /// step back, nor its documents, redone, count as unchanged), keeping every <c>seq</c> that may
    /// have been published.
    /// </summary>
    public void RollBackTo(RollbackPoint? point)
    {
        if (point is null || point.Writes != _durable.Writes || point.ProgressPublishes != _progressPublishes)
        {
            return;
        }

        point.State.Seq = Math.Max(point.State.Seq, State.Seq);
        _durable.Restore(point.State);
    }

    public IndexTaskSnapshot Snapshot() => TaskSnapshots.Of(_taskId, State, _rate.Observe(State));

    /// <summary>Progress between writes is published from memory, within the reserved <c>seq</c> block.</summary>
    private async Task PublishProgressAsync()
    {
        State.Seq++;
        if (State.Seq >= State.SeqReservedUpTo)
        {
            await CheckpointAsync();
        }

        _progressUnpublished = false;
        _progressPublishes++;
        _lastProgressPublish = _time.GetTimestamp();
        Published = Snapshot();
        await PublishAsync(Published);
    }

    /// <summary>The task's only write: with it, every <c>seq</c> below the new reservation may be published.</summary>
    private async Task StoreAsync(IndexTaskState next)
    {
        next.SeqReservedUpTo = next.Seq + _options.SeqReservation;
        try
        {
            await _durable.WriteAsync(next);
        }
        catch (Exception exception)
        {
            Log.Retired(_logger, exception, _taskId);
            _retired();
            throw;
        }

        _lastCheckpoint = _time.GetTimestamp();
    }

    private async Task PublishAsync(IndexTaskSnapshot snapshot)
    {
        try
        {
            await _publish(snapshot);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The change is already persisted; watchers reconcile against the snapshot.
            Log.PublishFailed(_logger, exception, _taskId, snapshot.Seq);
        }
    }

    private async Task RecordHistoryAsync(IndexTaskSnapshot snapshot)
    {
        try
        {
            await _history.RecordAsync(TaskSummary.From(snapshot), CancellationToken.None);
            HistoryBehind = false;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            HistoryBehind = true;
            Log.HistoryFailed(_logger, exception, _taskId);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(7, LogLevel.Warning, "Task {TaskId}: publishing seq {Seq} failed; the state is persisted and watchers will reconcile")]
        public static partial void PublishFailed(ILogger logger, Exception exception, Guid taskId, long seq);

        [LoggerMessage(8, LogLevel.Warning, "Task {TaskId}: a write failed (stale, or its outcome unknown); this activation stops and deactivates, and the next one reads storage")]
        public static partial void Retired(ILogger logger, Exception exception, Guid taskId);

        [LoggerMessage(13, LogLevel.Warning, "Task {TaskId}: its history row could not be written; the next change, lease tick or activation writes it")]
        public static partial void HistoryFailed(ILogger logger, Exception exception, Guid taskId);
    }

    /// <summary>A copy of the state, and the number of writes and of progress publishes when it was taken.</summary>
    public sealed record RollbackPoint(IndexTaskState State, long Writes, long ProgressPublishes);
}
