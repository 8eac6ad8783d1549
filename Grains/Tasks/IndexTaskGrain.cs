using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.Streams;
using OrleansTasks.Storage;

namespace OrleansTasks.Tasks;

/// <summary>
/// One index task. Each batch of documents is its own grain turn (a one-way call to itself), so
/// reads and cancellation are served between batches. Status changes are persisted, then published;
/// progress is published at most <see cref="TasksOptions.ProgressEventsPerSecond"/> times a second
/// and persisted every <see cref="TasksOptions.CheckpointInterval"/>. While it has not ended the
/// task holds a reminder (its lease), so that it resumes by itself wherever it is reactivated.
/// </summary>
[GrainType("index-task")]
public sealed partial class IndexTaskGrain(
    [PersistentState("task", StorageNames.Tasks)] IPersistentState<IndexTaskState> state,
    TaskChunkStores chunks,
    Indexing.IncrementalIndexer indexer,
    DirectorySourceReader sourceReader,
    TaskAdmission admission,
    History.ITaskHistory history,
    Diagnostics.TaskTelemetry telemetry,
    DeepCopier copier,
    IOptions<TasksOptions> options,
    TimeProvider time,
    ILogger<IndexTaskGrain> logger) : Grain, IIndexTaskGrain, IIndexTaskWorker, IRemindable
{
    private readonly TasksOptions _options = options.Value;
    private IAsyncStream<IndexTaskSnapshot> _stream = null!;
    private IndexTaskSnapshot? _published;
    private bool _historyBehind;
    private bool _commitFailed;
    private bool _endPublished;
    private DurableState<IndexTaskState>? _durable;

    private DurableState<IndexTaskState> Durable => _durable ??= new(state, copier, DeactivateOnIdle);

    private IndexTaskState S => state.State;

    /// <summary>A write failed: this activation writes and publishes nothing more and is being deactivated.</summary>
    private bool Retired => Durable.IsRetired;

    private Guid TaskId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stream = this.GetStreamProvider(TaskStreams.ProviderName)
            .GetStream<IndexTaskSnapshot>(TaskStreams.ForTask(TaskId));
        if (!S.Accepted)
        {
            return;
        }

        if (!S.Status.IsTerminal())
        {
            // Progress published by an earlier activation may have gone above the last checkpoint:
            // continue above everything it could have used, and persist that before publishing.
            await SaveAsync(next => next.Seq = next.SeqReservedUpTo);
            _chunksMayExist = true;
            Log.Resumed(logger, TaskId, S.Current, S.Total, S.Seq);
            ScheduleNextBatch();
            ScheduleStartTimer();
        }

        _published = BuildSnapshot();
        if (!S.Status.IsTerminal() || S.FollowersToNotify.Count > 0 || S.FinishedAt + _options.LeasePeriod * 2 > time.GetUtcNow())
        {
            // The activation before may have died between its write and its history row.
            await RecordHistoryAsync(_published);
        }

        NotifyFollowers();
    }

    /// <summary>A graceful deactivation keeps the exact position, so the next activation redoes nothing.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        admission.Leave(TaskId);
        if (Retired)
        {
            // A write failed: the next activation, woken at once, resumes from what storage holds
            // (its last checkpoint, as after a crash). While storage stays out of reach it cannot
            // activate, and the lease wakes it later.
            this.AsReference<IIndexTaskWorker>().Wake().Ignore();
            return;
        }

        if (!S.Accepted || S.Status.IsTerminal())
        {
            return;
        }

        try
        {
            await CheckpointAsync();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Log.DeactivationCheckpointFailed(logger, exception, TaskId, S.Current);
            return;
        }

        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown)
        {
            // Hand the task on: this call reaches a new activation on a silo that is not stopping,
            // which resumes at once from the checkpoint just written. The lease is the fallback.
            this.AsReference<IIndexTaskWorker>().Wake().Ignore();
        }
    }

    public async Task<IndexTaskSnapshot> Start(StartIndexTask request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (S.Accepted)
        {
            // A repeated start (a retry after an error, the same Idempotency-Key) finishes what the
            // first one may have left undone after its write.
            await Wake();
            return _published ?? BuildSnapshot();
        }

        TaskRequestValidator.Validate(request, _options);
        CheckRunAt(request, time.GetUtcNow());
        await CheckDependenciesAsync(request);
        var documents = request.Source is null
            ? request.Documents
            : await sourceReader.ReadAsync(request.Source, CancellationToken.None);

        var starts = await StoreDocumentsAsync(documents);

        // The lease comes before the task: a lease whose task was never written ends itself at its
        // first tick, while a task without its lease would never resume after its activation died.
        await TakeLeaseAsync();
        var now = time.GetUtcNow();
        var accepted = new IndexTaskState
        {
            Accepted = true,
            OwnerId = request.OwnerId,
            Collection = request.Collection,
            DependsOn = [.. request.Dependencies],
            AwaitedDependencies = [.. request.Dependencies],
            BatchId = request.BatchId,
            ScheduleId = request.ScheduleId,
            Followers = [.. Followers(request)],
            RunAt = request.RunAt,
            Total = documents.Length,
            DocumentChunkStarts = starts,
            CreatedAt = now,
            UpdatedAt = now,
            Seq = 1,
            SeqReservedUpTo = 1 + _options.SeqReservation,
        };
        accepted.Status = accepted.AwaitedDependencies.Count > 0 || request.RunAt > now ? IndexTaskStatus.Waiting : IndexTaskStatus.Pending;
        accepted.Message = WaitingMessage(accepted) ?? TaskMessages.Queued;
        await StoreAsync(accepted);

        Log.Accepted(logger, TaskId, S.OwnerId, S.Collection, S.Total);
        telemetry.Accepted();
        _published = BuildSnapshot();
        await RecordHistoryAsync(_published);
        await PublishAsync(_published);
        if (S.Status == IndexTaskStatus.Waiting)
        {
            ScheduleStartTimer();
            await CheckAwaitedDependenciesAsync();
        }
        else
        {
            ScheduleNextBatch();
        }

        return _published;
    }

    public Task<IndexTaskSnapshot?> GetSnapshot() =>
        Task.FromResult(_published is { Status: IndexTaskStatus.Pending } pending
            ? pending with { QueuePosition = admission.QueuePosition(TaskId) }
            : _published);

    public Task<string> GetHostingSilo() => Task.FromResult(this.RuntimeIdentity);

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

        if (S.Status.IsTerminal())
        {
            return CancelOutcome.AlreadyEnded;
        }

        await CommitAsync(next =>
        {
            next.Status = IndexTaskStatus.Cancelled;
            next.CancelledBy = cancelledBy;
            next.Message = TaskMessages.Cancelled(cancelledBy);
            next.FinishedAt = time.GetUtcNow();
        });

        Log.Cancelled(logger, TaskId, cancelledBy, S.Current, S.Total);
        await EndAsync();
        return CancelOutcome.Cancelled;
    }

    /// <summary>What follows every terminal state: the slot is given back, followers are told; the lease ends a period later.</summary>
    private Task EndAsync()
    {
        telemetry.Ended(S.Status, time.GetUtcNow() - S.CreatedAt);
        admission.Leave(TaskId);
        NotifyFollowers();
        return Task.CompletedTask;
    }

    /// <summary>
    /// A status change: computed on a copy, persisted, and only then current and published. A
    /// change that cannot be persisted leaves the task as it was; one refused as stale (another
    /// activation owns the task) stops this activation.
    /// </summary>
    private async Task CommitAsync(Action<IndexTaskState> change)
    {
        var next = Durable.Copy();
        change(next);
        if (next.Status.IsTerminal() && !S.Status.IsTerminal())
        {
            next.FollowersToNotify = [.. next.Followers];
        }

        next.Seq++;
        next.UpdatedAt = time.GetUtcNow();
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
        _published = BuildSnapshot();
        await PublishAsync(_published);
        _endPublished = S.Status.IsTerminal();
        await RecordHistoryAsync(_published);
    }

    /// <summary>Persists the position reached and a new block of <c>seq</c> values; nothing is published.</summary>
    private async Task CheckpointAsync()
    {
        await SaveAsync(_ => { });
        await RecordHistoryAsync(BuildSnapshot());
    }

    /// <summary>Persists a change that watchers need not hear of (a checkpoint, a new follower).</summary>
    private Task SaveAsync(Action<IndexTaskState> change)
    {
        var next = Durable.Copy();
        change(next);
        return StoreAsync(next);
    }

    /// <summary>The task's only write: with it, every <c>seq</c> below the new reservation may be published.</summary>
    private async Task StoreAsync(IndexTaskState next)
    {
        next.SeqReservedUpTo = next.Seq + _options.SeqReservation;
        try
        {
            await Durable.WriteAsync(next);
        }
        catch (Exception exception)
        {
            Log.Retired(logger, exception, TaskId);
            admission.Leave(TaskId);
            throw;
        }

        _lastCheckpoint = time.GetTimestamp();
    }

    /// <summary>
    /// The history row follows the task; it is never a reason to undo a change. A row that could
    /// not be written is written again at the next change, lease tick or activation.
    /// </summary>
    private async Task RecordHistoryAsync(IndexTaskSnapshot snapshot)
    {
        try
        {
            await history.RecordAsync(TaskSummary.From(snapshot), CancellationToken.None);
            _historyBehind = false;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            _historyBehind = true;
            Log.HistoryFailed(logger, exception, TaskId);
        }
    }

    /// <summary>Undoes the progress of a run step that failed, keeping every <c>seq</c> it may have published.</summary>
    private void RollBack(IndexTaskState before)
    {
        before.Seq = Math.Max(before.Seq, S.Seq);
        state.State = before;
    }

    private async Task PublishAsync(IndexTaskSnapshot snapshot)
    {
        try
        {
            ForwardToBatch(snapshot);
            await _stream.OnNextAsync(snapshot);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The change is already persisted; watchers reconcile against the snapshot.
            Log.PublishFailed(logger, exception, TaskId, snapshot.Seq);
        }
    }

    private IndexTaskSnapshot BuildSnapshot() => new()
    {
        TaskId = TaskId,
        OwnerId = S.OwnerId,
        Collection = S.Collection,
        Status = S.Status,
        Progress = S.Status switch
        {
            IndexTaskStatus.Failed => -1,
            IndexTaskStatus.Completed => 100,
            _ => S.Total == 0 ? 0 : (int)(S.Current * 100L / S.Total),
        },
        Current = S.Current,
        Total = S.Total,
        Message = S.Message,
        Seq = S.Seq,
        Counts = S.Counts,
        CreatedAt = S.CreatedAt,
        UpdatedAt = S.UpdatedAt,
        StartedAt = S.StartedAt,
        FinishedAt = S.FinishedAt,
        Error = S.Error,
        CancelledBy = S.CancelledBy,
        Result = S.Status == IndexTaskStatus.Completed ? S.Result : null,
        DependsOn = [.. S.DependsOn],
        AwaitedDependencies = [.. S.AwaitedDependencies],
        BatchId = S.BatchId,
        ScheduleId = S.ScheduleId,
        RunAt = S.RunAt,
    };

    /// <summary>The batch and the schedule a new task belongs to are told when it ends.</summary>
    private IEnumerable<GrainId> Followers(StartIndexTask request)
    {
        if (request.BatchId is { } batchId)
        {
            yield return GrainFactory.GetGrain<IBatchGrain>(batchId).GetGrainId();
        }

        if (request.ScheduleId is { } scheduleId)
        {
            yield return GrainFactory.GetGrain<IScheduleGrain>(scheduleId).GetGrainId();
        }
    }

    private async Task<List<int>> StoreDocumentsAsync(ImmutableArray<IndexDocument> documents)
    {
        const int maxCount = 500;
        const long maxChars = 2L * 1024 * 1024;
        var starts = new List<int>();
        var start = 0;
        while (start < documents.Length)
        {
            var end = start;
            long chars = 0;
            while (end < documents.Length && end - start < maxCount
                && (end == start || chars + documents[end].Content.Length <= maxChars))
            {
                chars += documents[end].Content.Length;
                end++;
            }

            await chunks.Documents.WriteAsync(TaskId, starts.Count, new DocumentChunk(documents[start..end]), mayExist: true);
            starts.Add(start);
            start = end;
        }

        return starts;
    }
}
