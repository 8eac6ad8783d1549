using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Streams;
using Orleans.Timers;
using OrleansTasks.Leases;
using OrleansTasks.Storage;

namespace OrleansTasks.Tasks;

/// <summary>
/// One index task, orchestrating its parts: the <see cref="TaskCommitter"/> persists and publishes
/// each change, <see cref="TaskTransitions"/> says what a change is, and the <see cref="TaskRun"/>
/// indexes the documents slice by slice, each slice its own grain turn (a one-way call to itself),
/// so reads and cancellation are served between slices. While it has not ended the task holds a
/// reminder (its lease), so that it resumes by itself wherever it is reactivated.
/// </summary>
// Random, not Orleans' default resource-optimized placement: that one puts every activation on the
// silo with the best load figures, which change about once a second, so a burst of tasks landed on
// one silo (24 of 24 in ClusterProcessTests) while the others idled.
[GrainType("index-task"), Orleans.Placement.RandomPlacement]
public sealed partial class IndexTaskGrain(
    [PersistentState("task", StorageNames.Tasks)] IPersistentState<IndexTaskState> state,
    TaskChunkStores chunks,
    Indexing.IncrementalIndexer indexer,
    DirectorySourceReader sourceReader,
    Sources.ISourceFileReader sourceFiles,
    Uploads.IUploadStore uploads,
    TaskAdmission admission,
    Hosting.ISiloStanding standing,
    History.ITaskHistory history,
    Diagnostics.TaskTelemetry telemetry,
    DatabaseRoundTrips roundTrips,
    SlowDatabaseSlices slowSlices,
    DeepCopier copier,
    IOptions<TasksOptions> options,
    TimeProvider time,
    ILogger<IndexTaskGrain> logger) : Grain, IIndexTaskGrain, ITaskRetry, IIndexTaskWorker, IRemindable, IDisposable
{
    private readonly TasksOptions _options = options.Value;
    private readonly SliceSchedule _slices = new(time, options.Value.LeasePeriod);
    private IAsyncStream<IndexTaskSnapshot> _stream = null!;
    private TaskCommitter _task = null!;
    private TaskRun _run = null!;
    private TaskFollowers _followers = null!;
    private GrainLease _lease = null!;

    private IndexTaskState S => _task.State;

    private Guid TaskId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A move's placement hint may come in with the activation: placed here, it must place nothing this task calls.
        RequestContext.Remove(Orleans.Runtime.Placement.IPlacementDirector.PlacementHintKey);
        _stream = this.GetStreamProvider(TaskStreams.ProviderName).GetStream<IndexTaskSnapshot>(TaskStreams.ForTask(TaskId));
        _followers = new TaskFollowers(GrainFactory, logger);
        _lease = new GrainLease(ServiceProvider.GetRequiredService<IReminderRegistry>(), this.GetGrainId(), _options.LeasePeriod, ServiceProvider.GetRequiredService<ILogger<GrainLease>>());
        _run = new TaskRun(TaskId, chunks, indexer, _options, logger, uploads, roundTrips, slowSlices, sourceFiles);
        _task = new TaskCommitter(TaskId, state, copier, DeactivateOnIdle, PublishAsync, history, time, _options, logger, () => admission.Release(TaskId));
        if (!S.Accepted)
        {
            return;
        }

        if (!S.Status.IsTerminal() && !_handedOver)
        {
            // Woken past its declared death, a silo must not take the task from the live one running it.
            await standing.EnsureMemberAsync(cancellationToken);
        }

        // Before this activation writes a chunk: an earlier one, on a silo paused past its declared death, must add nothing when it wakes.
        await _task.ActivateAsync(read => S.IsInline ? Task.CompletedTask : _run.Results.FenceOffEarlierActivationsAsync(read));
        if (!S.Status.IsTerminal())
        {
            Log.Resumed(logger, TaskId, S.Current, S.Total, S.Seq);
            Continue();
        }

        NotifyFollowers();
    }

    /// <summary>A graceful deactivation keeps the exact position, so the next activation redoes nothing.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        admission.Release(TaskId);
        _run.Dispose();
        if (_task.Retired)
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
            await _task.CheckpointAsync();
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

    /// <summary>Closes the file a streaming task's run holds open between slices.</summary>
    public void Dispose() => _run?.Dispose();

    public async Task<IndexTaskSnapshot> Start(StartIndexTask request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (S.Accepted)
        {
            // A repeated start (a retry after an error, the same Idempotency-Key) finishes what the
            // first one may have left undone after its write.
            await Wake();
            return _task.Published ?? _task.Snapshot();
        }

        TaskRequestValidator.Validate(request, _options, time.GetUtcNow());
        TaskDependencies.CheckShape(TaskId, request.Dependencies);
        await TaskDependencies.CheckOwnedAsync(GrainFactory, request.OwnerId, request.Dependencies, _ => "depends_on");
        if (request.Source is { } source)
        {
            // Only checked here: a directory source is counted and read while the task runs.
            Sources.SourceLocation.Resolve(source, _options.SourceRoots);
        }

        var documents = request.Source is null && request.Upload is null ? request.Documents : [];
        var total = request.Upload is { } upload
            ? await Sources.UploadSources.AcceptAsync(uploads, upload, request.OwnerId, TaskId, _options)
            : documents.Length;
        var inline = _options.InlineSmallTasks && request.Source is null && request.Upload is null && TaskDocuments.FitInline(documents);
        var starts = inline ? [] : await _run.Documents.StoreAsync(documents);

        // The lease comes before the task: a lease whose task was never written ends itself at its
        // first tick, while a task without its lease would never resume after its activation died.
        await _lease.TakeAsync();
        var accepted = TaskTransitions.Accept(request, starts, inline ? documents : null, total, _followers.Of(request), time.GetUtcNow());
        TaskTransitions.TakePolicies(accepted, request, _options);
        await _task.AcceptAsync(accepted);
        Log.Accepted(logger, TaskId, S.OwnerId, S.Collection, S.Total);
        telemetry.Accepted();
        Continue();
        if (S.Status == IndexTaskStatus.Waiting)
        {
            await CheckAwaitedDependenciesAsync();
        }

        return _task.Published!;
    }

    public async Task<IndexTaskSnapshot?> GetSnapshot() =>
        _task.Published is { Status: IndexTaskStatus.Pending } pending
            ? pending with { QueuePosition = await admission.QueuePositionAsync(TaskId) }
            : _task.Published;

    public Task<string> GetHostingSilo() => Task.FromResult(this.RuntimeIdentity);

    public Task<TaskResultPage> GetResults(int offset, int limit, DocumentOutcome? outcome = null) =>
        _run.Results.PageAsync(S, offset, limit, outcome);

    public async Task<CancelOutcome> Cancel(string cancelledBy)
    {
        CancelledBy.Check(cancelledBy);
        if (!S.Accepted)
        {
            return CancelOutcome.NotFound;
        }

        if (S.Status.IsTerminal())
        {
            return CancelOutcome.AlreadyEnded;
        }

        await _task.CommitAsync(next => TaskTransitions.Cancel(next, cancelledBy, time.GetUtcNow()));
        Log.Cancelled(logger, TaskId, cancelledBy, S.Current, S.Total);
        Continue();
        return CancelOutcome.Cancelled;
    }

    /// <summary>Goes on from the task's status (after a change, an activation or a wake-up): a waiting task waits for its start time, a queued or running one runs its next slice, an ended one ends its run.</summary>
    private void Continue()
    {
        if (S.Status.IsTerminal())
        {
            EndRun();
        }
        else if (S.Status == IndexTaskStatus.Waiting)
        {
            ScheduleStartTimer();
        }
        else
        {
            ScheduleNextSlice();
        }
    }

    /// <summary>What follows every terminal state: the slot is given back, followers are told, a <c>delete_missing</c> pass's records forgotten; the lease ends a period later.</summary>
    private void EndRun()
    {
        telemetry.Ended(S.Status, time.GetUtcNow() - S.CreatedAt, S.Status == IndexTaskStatus.Failed ? S.Error?.Code : null);
        admission.Leave(TaskId);
        NotifyFollowers();
        ForgetSeenDocumentsAsync().Ignore();
    }

    private Task PublishAsync(IndexTaskSnapshot snapshot)
    {
        _followers.ForwardToBatch(S.BatchId, snapshot);
        return Task.WhenAll(_stream.OnNextAsync(snapshot), PublishToOwnerFeedAsync(snapshot));
    }
}
