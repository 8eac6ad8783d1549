using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
    IOptions<TasksOptions> options,
    TimeProvider time,
    ILogger<IndexTaskGrain> logger) : Grain, IIndexTaskGrain, IIndexTaskWorker, IRemindable
{
    /// <summary>How far above the last persisted <c>seq</c> in-memory progress events may go.</summary>
    private const long SeqReservation = 1000;

    private readonly TasksOptions _options = options.Value;
    private IAsyncStream<IndexTaskSnapshot> _stream = null!;
    private IndexTaskSnapshot? _published;
    private bool _stale;

    private IndexTaskState S => state.State;

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
            S.Seq = S.SeqReservedUpTo;
            S.SeqReservedUpTo = S.Seq + SeqReservation;
            await state.WriteStateAsync(cancellationToken);
            _chunksMayExist = true;
            Log.Resumed(logger, TaskId, S.Current, S.Total, S.Seq);
            ScheduleNextBatch();
            ScheduleStartTimer();
        }

        _published = BuildSnapshot();
        NotifyFollowers();
    }

    /// <summary>A graceful deactivation keeps the exact position, so the next activation redoes nothing.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        admission.Leave(TaskId);
        if (!S.Accepted || S.Status.IsTerminal() || _stale)
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
            return _published ?? BuildSnapshot();
        }

        TaskRequestValidator.Validate(request, _options);
        CheckRunAt(request, time.GetUtcNow());
        await CheckDependenciesAsync(request);
        var documents = request.Source is null
            ? request.Documents
            : await sourceReader.ReadAsync(request.Source, CancellationToken.None);

        var starts = await StoreDocumentsAsync(documents);
        var now = time.GetUtcNow();
        S.Accepted = true;
        S.OwnerId = request.OwnerId;
        S.Collection = request.Collection;
        S.DependsOn = [.. request.Dependencies];
        S.AwaitedDependencies = [.. request.Dependencies];
        S.BatchId = request.BatchId;
        S.ScheduleId = request.ScheduleId;
        S.Followers = [.. Followers(request)];
        S.RunAt = request.RunAt;
        S.Status = S.AwaitedDependencies.Count > 0 || request.RunAt > now ? IndexTaskStatus.Waiting : IndexTaskStatus.Pending;
        S.Message = WaitingMessage() ?? TaskMessages.Queued;
        S.Total = documents.Length;
        S.DocumentChunkStarts = starts;
        S.CreatedAt = now;
        S.UpdatedAt = now;
        S.Seq = 1;
        S.SeqReservedUpTo = S.Seq + SeqReservation;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = new IndexTaskState();
            throw;
        }

        _lastCheckpoint = time.GetTimestamp();
        Log.Accepted(logger, TaskId, S.OwnerId, S.Collection, S.Total);
        telemetry.Accepted();
        await TakeLeaseAsync();

        _published = BuildSnapshot();
        try
        {
            await history.RecordAsync(TaskSummary.From(_published), CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The task is accepted; its history row catches up at its first change.
            Log.HistoryFailed(logger, exception, TaskId);
        }

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

        await CommitAsync(() =>
        {
            S.Status = IndexTaskStatus.Cancelled;
            S.CancelledBy = cancelledBy;
            S.Message = TaskMessages.Cancelled(cancelledBy);
            S.FinishedAt = time.GetUtcNow();
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
    /// Applies a status change and commits it. A change that cannot be persisted is undone; one
    /// refused as stale (another activation owns the task) stops this activation.
    /// </summary>
    private async Task CommitAsync(Action change)
    {
        var before = S.Copy();
        try
        {
            change();
            await CommitChangeAsync();
        }
        catch (InconsistentStateException exception)
        {
            Log.StaleActivation(logger, exception, TaskId);
            _stale = true;
            DeactivateOnIdle();
            throw;
        }
        catch
        {
            RollBack(before);
            throw;
        }
    }

    /// <summary>A status change: persisted first, then published.</summary>
    private async Task CommitChangeAsync()
    {
        if (S.Status.IsTerminal())
        {
            S.FollowersToNotify = [.. S.Followers];
        }

        S.Seq++;
        S.SeqReservedUpTo = S.Seq + SeqReservation;
        S.UpdatedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        _lastCheckpoint = time.GetTimestamp();
        _progressUnpublished = false;
        _published = BuildSnapshot();
        await history.RecordAsync(TaskSummary.From(_published), CancellationToken.None);
        await PublishAsync(_published);
    }

    private async Task CheckpointAsync()
    {
        S.SeqReservedUpTo = S.Seq + SeqReservation;
        await state.WriteStateAsync();
        _lastCheckpoint = time.GetTimestamp();
        await history.RecordAsync(TaskSummary.From(BuildSnapshot()), CancellationToken.None);
    }

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
