using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Orleans.Streams;
using OrleansTasks.Indexing;
using OrleansTasks.Storage;

namespace OrleansTasks.Tasks;

/// <summary>
/// One index task. Each batch of documents is its own grain turn (a one-way call to itself), so
/// reads and cancellation are served between batches. Status changes are persisted, then published;
/// progress is published at most <see cref="TasksOptions.ProgressEventsPerSecond"/> times a second
/// and persisted every <see cref="TasksOptions.CheckpointInterval"/>.
/// </summary>
[GrainType("index-task")]
public sealed partial class IndexTaskGrain(
    [PersistentState("task", StorageNames.Tasks)] IPersistentState<IndexTaskState> state,
    TaskChunkStores chunks,
    IncrementalIndexer indexer,
    DirectorySourceReader sourceReader,
    IOptions<TasksOptions> options,
    TimeProvider time,
    ILogger<IndexTaskGrain> logger) : Grain, IIndexTaskGrain, IIndexTaskWorker
{
    /// <summary>How far above the last persisted <c>seq</c> in-memory progress events may go.</summary>
    private const long SeqReservation = 1000;
    private const int DocumentChunkMaxCount = 500;
    private const long DocumentChunkMaxChars = 2L * 1024 * 1024;
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly TasksOptions _options = options.Value;
    private readonly List<ResultChunk?> _resultChunks = [];
    private readonly BatchSizer _sizer = new(options.Value.BatchBudget);
    private IAsyncStream<IndexTaskSnapshot> _stream = null!;
    private IndexTaskSnapshot? _published;
    private bool _chunksMayExist;
    private int _loadedChunkNumber = -1;
    private DocumentChunk? _loadedChunk;
    private long _lastProgressPublish;
    private long _lastCheckpoint;
    private bool _progressUnpublished;
    private int _storageFailures;
    private IGrainTimer? _retryTimer;
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
        }

        _published = BuildSnapshot();
    }

    /// <summary>A graceful deactivation keeps the exact position, so the next activation redoes nothing.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
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
        var documents = request.Source is null
            ? request.Documents
            : await sourceReader.ReadAsync(request.Source, CancellationToken.None);

        var starts = await StoreDocumentsAsync(documents);
        var now = time.GetUtcNow();
        S.Accepted = true;
        S.OwnerId = request.OwnerId;
        S.Collection = request.Collection;
        S.Status = IndexTaskStatus.Pending;
        S.Message = TaskMessages.Queued;
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

        _published = BuildSnapshot();
        await PublishAsync(_published);
        ScheduleNextBatch();
        return _published;
    }

    public Task<IndexTaskSnapshot?> GetSnapshot() => Task.FromResult(_published);

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

        var before = S.Copy();
        try
        {
            S.Status = IndexTaskStatus.Cancelled;
            S.CancelledBy = cancelledBy;
            S.Message = TaskMessages.Cancelled(cancelledBy);
            S.FinishedAt = time.GetUtcNow();
            await CommitChangeAsync();
        }
        catch (Exception exception) when (exception is not InconsistentStateException)
        {
            RollBack(before);
            throw;
        }

        Log.Cancelled(logger, TaskId, cancelledBy, S.Current, S.Total);
        return CancelOutcome.Cancelled;
    }

    public async Task<TaskResultPage> GetResults(int offset, int limit, DocumentOutcome? outcome = null)
    {
        if (offset < 0 || limit is < 1 or > 1000)
        {
            throw new InvalidTaskRequestException("limit", "'offset' must be 0 or more and 'limit' between 1 and 1000.");
        }

        var items = ImmutableArray.CreateBuilder<DocumentResult>(limit);
        var skipped = 0;
        await foreach (var result in AllResultsAsync())
        {
            if (outcome is not null && result.Outcome != outcome)
            {
                continue;
            }

            if (skipped < offset)
            {
                skipped++;
                continue;
            }

            if (items.Count == limit)
            {
                return new TaskResultPage(items.ToImmutable(), offset + limit);
            }

            items.Add(result);
        }

        return new TaskResultPage(items.ToImmutable(), null);
    }

    public async Task ProcessNextBatch()
    {
        if (!S.Accepted || S.Status.IsTerminal())
        {
            return;
        }

        var before = S.Copy();
        try
        {
            if (S.Status == IndexTaskStatus.Pending)
            {
                S.Status = IndexTaskStatus.Processing;
                S.StartedAt = time.GetUtcNow();
                S.Message = TaskMessages.Indexing(S.Current, S.Total);
                await CommitChangeAsync();
            }

            if (S.Current < S.Total && !await RunBatchAsync())
            {
                return;
            }

            if (S.Current >= S.Total)
            {
                await CompleteAsync();
                return;
            }

            await PublishProgressIfDueAsync();
            await CheckpointIfDueAsync();
            _storageFailures = 0;
            ScheduleNextBatch();
        }
        catch (InconsistentStateException exception)
        {
            // Another activation owns this task now: stop without writing or publishing anything.
            Log.StaleActivation(logger, exception, TaskId);
            _stale = true;
            DeactivateOnIdle();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Storage is failing: forget what was not persisted and redo it later. Records written
            // meanwhile may exist, and seq values already used stay used.
            RollBack(before);
            _chunksMayExist = true;
            ScheduleRetry(exception);
        }
    }

    private void RollBack(IndexTaskState before)
    {
        before.Seq = Math.Max(before.Seq, S.Seq);
        state.State = before;
    }

    /// <summary>Indexes one batch; returns false when the run failed and has ended.</summary>
    private async Task<bool> RunBatchAsync()
    {
        var documents = await NextDocumentsAsync(_sizer.NextCount());
        if (documents is null)
        {
            await FailAsync(TaskErrors.Missing());
            return false;
        }

        IReadOnlyList<DocumentResult> results;
        var started = Stopwatch.GetTimestamp();
        try
        {
            results = await indexer.IndexAsync(TaskId, S.Collection, documents, CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Log.IndexFailed(logger, exception, TaskId, S.Current);
            await FailAsync(TaskErrors.IndexFailed(documents.Count == 1 ? documents[0].Id : null));
            return false;
        }

        _sizer.Record(documents.Count, Stopwatch.GetElapsedTime(started));
        var chunk = new ResultChunk(S.Current, [.. results]);
        await chunks.Results.WriteAsync(TaskId, S.ResultChunkCount, chunk, mayExist: _chunksMayExist);
        SetCachedResultChunk(S.ResultChunkCount, chunk);

        S.ResultChunkCount++;
        S.Current += documents.Count;
        S.Counts = Add(S.Counts, results);
        S.Message = TaskMessages.Indexing(S.Current, S.Total);
        S.UpdatedAt = time.GetUtcNow();
        _progressUnpublished = true;
        return true;
    }

    private async Task CompleteAsync()
    {
        if (_progressUnpublished)
        {
            await PublishProgressAsync();
        }

        S.Result = await BuildPreviewAsync();
        S.Status = IndexTaskStatus.Completed;
        S.Message = TaskMessages.Completed(S.Counts);
        S.FinishedAt = time.GetUtcNow();
        await CommitChangeAsync();
        Log.Completed(logger, TaskId, S.Counts.Indexed, S.Counts.Unchanged, S.Counts.Failed);
    }

    private async Task FailAsync(TaskError error)
    {
        S.Status = IndexTaskStatus.Failed;
        S.Error = error;
        S.Message = error.Message;
        S.FinishedAt = time.GetUtcNow();
        await CommitChangeAsync();
    }

    /// <summary>A status change: persisted first, then published.</summary>
    private async Task CommitChangeAsync()
    {
        S.Seq++;
        S.SeqReservedUpTo = S.Seq + SeqReservation;
        S.UpdatedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        _lastCheckpoint = time.GetTimestamp();
        _progressUnpublished = false;
        _published = BuildSnapshot();
        await PublishAsync(_published);
    }

    private async Task PublishProgressIfDueAsync()
    {
        var interval = TimeSpan.FromSeconds(1.0 / _options.ProgressEventsPerSecond);
        if (_progressUnpublished && time.GetElapsedTime(_lastProgressPublish) >= interval)
        {
            await PublishProgressAsync();
        }
    }

    /// <summary>Progress between checkpoints is published from memory, within the reserved <c>seq</c> block.</summary>
    private async Task PublishProgressAsync()
    {
        S.Seq++;
        if (S.Seq >= S.SeqReservedUpTo)
        {
            await CheckpointAsync();
        }

        _progressUnpublished = false;
        _lastProgressPublish = time.GetTimestamp();
        _published = BuildSnapshot();
        await PublishAsync(_published);
    }

    private async Task CheckpointIfDueAsync()
    {
        if (time.GetElapsedTime(_lastCheckpoint) >= _options.CheckpointInterval)
        {
            await CheckpointAsync();
        }
    }

    private async Task CheckpointAsync()
    {
        S.SeqReservedUpTo = S.Seq + SeqReservation;
        await state.WriteStateAsync();
        _lastCheckpoint = time.GetTimestamp();
    }

    private async Task PublishAsync(IndexTaskSnapshot snapshot)
    {
        try
        {
            await _stream.OnNextAsync(snapshot);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The change is already persisted; watchers reconcile against the snapshot.
            Log.PublishFailed(logger, exception, TaskId, snapshot.Seq);
        }
    }

    private void ScheduleNextBatch() => this.AsReference<IIndexTaskWorker>().ProcessNextBatch().Ignore();

    private void ScheduleRetry(Exception exception)
    {
        _storageFailures++;
        var delay = TimeSpan.FromSeconds(Math.Min(MaxRetryDelay.TotalSeconds, Math.Pow(2, _storageFailures - 1)));
        Log.StorageFailed(logger, exception, TaskId, delay);
        _retryTimer?.Dispose();
        _retryTimer = this.RegisterGrainTimer(
            _ =>
            {
                ScheduleNextBatch();
                return Task.CompletedTask;
            },
            new GrainTimerCreationOptions { DueTime = delay, Period = Timeout.InfiniteTimeSpan });
    }

    private async Task<List<int>> StoreDocumentsAsync(ImmutableArray<IndexDocument> documents)
    {
        var starts = new List<int>();
        var start = 0;
        while (start < documents.Length)
        {
            var end = start;
            long chars = 0;
            while (end < documents.Length && end - start < DocumentChunkMaxCount
                && (end == start || chars + documents[end].Content.Length <= DocumentChunkMaxChars))
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

    /// <summary>The next documents from the current position, never crossing a stored chunk; null when the chunk is missing.</summary>
    private async Task<List<IndexDocument>?> NextDocumentsAsync(int maxCount)
    {
        var chunkNumber = S.DocumentChunkStarts.FindLastIndex(start => start <= S.Current);
        if (chunkNumber != _loadedChunkNumber)
        {
            _loadedChunk = await chunks.Documents.ReadAsync(TaskId, chunkNumber);
            _loadedChunkNumber = chunkNumber;
        }

        if (_loadedChunk is null)
        {
            return null;
        }

        var offset = S.Current - S.DocumentChunkStarts[chunkNumber];
        var batch = new List<IndexDocument>(Math.Min(maxCount, _loadedChunk.Documents.Length - offset));
        long chars = 0;
        for (var i = offset; i < _loadedChunk.Documents.Length && batch.Count < maxCount; i++)
        {
            var document = _loadedChunk.Documents[i];
            if (batch.Count > 0 && chars + document.Content.Length > BatchSizer.MaxContentChars)
            {
                break;
            }

            chars += document.Content.Length;
            batch.Add(document);
        }

        return batch;
    }

    private async IAsyncEnumerable<DocumentResult> AllResultsAsync()
    {
        for (var number = 0; number < S.ResultChunkCount; number++)
        {
            var chunk = number < _resultChunks.Count ? _resultChunks[number] : null;
            if (chunk is null)
            {
                chunk = await chunks.Results.ReadAsync(TaskId, number)
                    ?? throw new InvalidOperationException($"Result chunk {number} of task {TaskId} is missing.");
                SetCachedResultChunk(number, chunk);
            }

            foreach (var result in chunk.Results)
            {
                yield return result;
            }
        }
    }

    private void SetCachedResultChunk(int number, ResultChunk chunk)
    {
        while (_resultChunks.Count <= number)
        {
            _resultChunks.Add(null);
        }

        _resultChunks[number] = chunk;
    }

    private async Task<TaskResultPreview> BuildPreviewAsync()
    {
        var failed = new List<DocumentResult>();
        var others = new List<DocumentResult>();
        var total = 0;
        await foreach (var result in AllResultsAsync())
        {
            total++;
            var bucket = result.Outcome == DocumentOutcome.Failed ? failed : others;
            if (bucket.Count < TaskResultPreview.MaxDetails)
            {
                bucket.Add(result);
            }
        }

        var details = failed.Concat(others).Take(TaskResultPreview.MaxDetails).ToImmutableArray();
        return new TaskResultPreview(details, total > details.Length);
    }

    private static TaskCounts Add(TaskCounts counts, IReadOnlyList<DocumentResult> results)
    {
        int indexed = counts.Indexed, unchanged = counts.Unchanged, failed = counts.Failed;
        foreach (var result in results)
        {
            switch (result.Outcome)
            {
                case DocumentOutcome.Indexed: indexed++; break;
                case DocumentOutcome.Unchanged: unchanged++; break;
                default: failed++; break;
            }
        }

        return new TaskCounts(indexed, unchanged, failed);
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
    };
}
