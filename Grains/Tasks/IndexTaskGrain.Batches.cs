using System.Diagnostics;
using Orleans.Storage;
using OrleansTasks.Storage;

namespace OrleansTasks.Tasks;

/// <summary>The run of an index task: one batch per grain turn, checkpoints, progress and the end.</summary>
public sealed partial class IndexTaskGrain
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly BatchSizer _sizer = new(options.Value.BatchBudget);
    private bool _chunksMayExist;
    private int _loadedChunkNumber = -1;
    private DocumentChunk? _loadedChunk;
    private long _lastProgressPublish;
    private long _lastCheckpoint;
    private long _pendingBatch;
    private long _lastBatchToken;
    private long _pendingSince;
    private bool _progressUnpublished;
    private int _storageFailures;
    private IGrainTimer? _retryTimer;

    public Task Wake()
    {
        if (S.Accepted && !S.Status.IsTerminal() && !Retired)
        {
            ScheduleNextBatch();
            ScheduleStartTimer();
        }

        return Task.CompletedTask;
    }

    public async Task RunBatch(long token)
    {
        if (token != _pendingBatch)
        {
            return;
        }

        _pendingBatch = 0;
        if (!S.Accepted || S.Status.IsTerminal() || S.Status == IndexTaskStatus.Waiting || Retired)
        {
            return;
        }

        if (!admission.TryEnter(TaskId))
        {
            // Queued: the admission control wakes this task when a slot frees up.
            DelayDeactivation(_options.LeasePeriod * 2);
            return;
        }

        // What a failed step undoes: the progress made in memory since the last write, never a write.
        IndexTaskState? before = null;
        long writes = 0;
        try
        {
            if (S.Status == IndexTaskStatus.Pending)
            {
                await CommitAsync(next =>
                {
                    next.Status = IndexTaskStatus.Processing;
                    next.StartedAt = time.GetUtcNow();
                    next.Message = TaskMessages.Indexing(next.Current, next.Total);
                });
            }

            before = Durable.Copy();
            writes = Durable.Writes;
            if (S.Current < S.Total && !await RunBatchAsync())
            {
                await EndAsync();
                return;
            }

            if (S.Current >= S.Total)
            {
                await CompleteAsync();
                await EndAsync();
                return;
            }

            await PublishProgressIfDueAsync();
            await CheckpointIfDueAsync();
            _storageFailures = 0;
            ScheduleNextBatch();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Storage is failing. After a failed write of its own state the activation has retired:
            // the next one, woken at once, reads storage. After any other failure (the index, a
            // record) it forgets the progress that was not persisted and redoes it later. Records
            // written meanwhile may exist, and seq values already used stay used.
            if (!Retired)
            {
                if (before is not null && Durable.Writes == writes)
                {
                    RollBack(before);
                }

                _chunksMayExist = true;
                ScheduleRetry(exception);
            }

            if (exception is not InconsistentStateException)
            {
                await PublishWaitingAsync();
            }
        }
    }

    /// <summary>Tells watchers, from memory, that the task waits for its database rather than failing.</summary>
    private async Task PublishWaitingAsync()
    {
        if (S.Seq + 1 >= S.SeqReservedUpTo || _commitFailed)
        {
            // A failed status change may have stored the next seq. A failed checkpoint stored none,
            // so even a retired activation may say, within its reservation, that it waits.
            return;
        }

        S.Message = TaskMessages.WaitingForDatabase(S.Current, S.Total);
        S.Seq++;
        _published = BuildSnapshot();
        await PublishAsync(_published);
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
        catch (Exception exception) when (!TransientFaults.IsTransient(exception) && exception is not OutOfMemoryException)
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
        var before = S.Counts;
        S.Counts = Add(S.Counts, results);
        telemetry.Processed(new TaskCounts(S.Counts.Indexed - before.Indexed, S.Counts.Unchanged - before.Unchanged, S.Counts.Failed - before.Failed));
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

        var preview = await BuildPreviewAsync();
        await CommitAsync(next =>
        {
            next.Result = preview;
            next.Status = IndexTaskStatus.Completed;
            next.Message = TaskMessages.Completed(next.Counts);
            next.FinishedAt = time.GetUtcNow();
        });
        Log.Completed(logger, TaskId, S.Counts.Indexed, S.Counts.Unchanged, S.Counts.Failed);
    }

    private Task FailAsync(TaskError error) => CommitAsync(next =>
    {
        next.Status = IndexTaskStatus.Failed;
        next.Error = error;
        next.Message = error.Message;
        next.FinishedAt = time.GetUtcNow();
    });

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

    /// <summary>
    /// Queues the next batch unless one is already on its way. A batch that has been on its way
    /// for longer than the lease period is taken as lost and replaced; should it arrive after
    /// all, its stale token makes it a no-op.
    /// </summary>
    private void ScheduleNextBatch()
    {
        if (_pendingBatch != 0 && time.GetElapsedTime(_pendingSince) < _options.LeasePeriod)
        {
            return;
        }

        if (_pendingBatch != 0)
        {
            Log.BatchLost(logger, TaskId, S.Current);
        }

        _pendingBatch = ++_lastBatchToken;
        _pendingSince = time.GetTimestamp();
        this.AsReference<IIndexTaskWorker>().RunBatch(_pendingBatch).Ignore();
    }

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
}
