using Orleans.Storage;

namespace OrleansTasks.Tasks;

/// <summary>
/// The run of an index task: one slice per grain turn, progress, checkpoints and the end. A slice
/// whose indexing fails transiently waits, by the task's retry policy, with the attempt and the
/// time of the next one persisted first; meanwhile the task gives its admission slot back and keeps
/// counting toward its owner's limit (it rests, see <see cref="TaskAdmission.Rest"/>).
/// </summary>
public sealed partial class IndexTaskGrain
{
    private IGrainTimer? _retryTimer;

    public Task Wake()
    {
        if (S.Accepted && !S.Status.IsTerminal() && !_task.Retired)
        {
            Continue();
        }
        else if (S.Status.IsTerminal())
        {
            // Woken by the queue, which still keeps its place: its leave went down with the silo it ended on.
            admission.Leave(TaskId);
        }

        return Task.CompletedTask;
    }

    public async Task RunSlice(long token)
    {
        if (!_slices.Arrived(token) || !S.Accepted || S.Status.IsTerminal() || S.Status == IndexTaskStatus.Waiting || _task.Retired)
        {
            return;
        }

        // What a failed step undoes: the progress made in memory since the last write, never a write.
        TaskCommitter.RollbackPoint? undo = null;
        try
        {
            if (await EndIfTimedOutAsync())
            {
                return;
            }

            if (RetryWaitLeft() is { } wait)
            {
                // A transient failure's backoff, persisted: a new activation waits only what is left, resting.
                admission.Rest(Admission.AdmissionTicket.Of(TaskId, S));
                ScheduleSliceIn(wait);
                return;
            }

            if (S.NextAttemptAt is not null)
            {
                // The wait is over: the next attempt's time, now past, no longer shows while the attempt waits for its slot or runs.
                var maxAttempts = (S.Retry ?? _options.Retry.Resolve(null)).MaxAttempts!.Value;
                await _task.CommitAsync(next => TaskTransitions.EndRetryWait(next, maxAttempts));
            }

            if (!await admission.TryEnterAsync(Admission.AdmissionTicket.Of(TaskId, S)))
            {
                // Queued: the cluster's admission queue wakes this task when it grants it a slot.
                DelayDeactivation(_options.LeasePeriod * 2);
                return;
            }

            if (S.Status == IndexTaskStatus.Pending)
            {
                await _task.CommitAsync(next => TaskTransitions.StartProcessing(next, time.GetUtcNow()));
                ArmDeadline();
            }

            undo = _task.Mark();
            if (S.Source is { Counted: false } uncounted)
            {
                if (!await CountNextAsync(uncounted))
                {
                    return;
                }
            }
            else if (!S.AllRead && !await IndexNextSliceAsync())
            {
                return;
            }

            if (S.AllRead && S.Source is { RemovalDue: true } && !S.Status.IsTerminal())
            {
                // A write of the state before each step: a stale activation (its silo paused, the task
                // taken over) learns it is stale here, before it removes anything. The write replaces
                // the state, so the source is read after it.
                await _task.CheckpointAsync();
                var removing = S.Source!;
                await _run.Missing.RemoveNextAsync(S.Collection, S.Current, removing);
                RemoveMissingStep(removing);
            }

            if (S.AllRead && S.Source is not { RemovalDue: true } && !S.Status.IsTerminal())
            {
                await CompleteAsync();
            }

            if (S.Status.IsTerminal())
            {
                EndRun();
                return;
            }

            await _task.PublishProgressIfDueAsync();
            await _task.CheckpointIfDueAsync();
            _slices.Succeeded();
            ScheduleNextSlice();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Storage is failing. After a failed write of its own state the activation has retired:
            // the next one, woken at once, reads storage. After any other failure (the index, a
            // record) it forgets the progress that was not persisted and redoes it later. Records
            // written meanwhile may exist, and seq values already used stay used.
            if (exception is InconsistentStateException)
            {
                // A record refused as a newer activation's: storage has moved on without this one.
                _task.Retire(exception);
            }

            if (!_task.Retired)
            {
                _task.RollBackTo(undo);
                ScheduleRetry(exception);
            }

            if (exception is not InconsistentStateException)
            {
                await _task.PublishWaitingForDatabaseAsync();
            }
        }
    }

    /// <summary>Indexes the next slice; false when it failed transiently and waits for its next attempt.</summary>
    private async Task<bool> IndexNextSliceAsync()
    {
        var outcome = await _run.IndexNextSliceAsync(S, time.GetUtcNow(), telemetry.Processed);
        if (outcome.Error is { } error)
        {
            await FailAsync(error);
        }
        else if (outcome.TransientFailure is { } failure)
        {
            return await RetryLaterAsync(failure);
        }
        else
        {
            _task.ProgressMade();
        }

        return true;
    }

    /// <summary>
    /// One turn of a streaming task's counting pass, which ends with its total set; false when it failed
    /// transiently (a directory it could not list for now) and waits for its next attempt.
    /// </summary>
    private async Task<bool> CountNextAsync(Sources.TaskSource source)
    {
        var retried = S.FailedAttempts > 0;
        var outcome = await _run.CountNextAsync(S, source);
        if (outcome.Error is { } error)
        {
            await FailAsync(error);
        }
        else if (outcome.TransientFailure is { } failure)
        {
            return await RetryLaterAsync(failure);
        }
        else if (source.Counted || retried)
        {
            // Only the count's end, or a turn that ended failed attempts (attempt and message reset), is worth a checkpoint and a publication.
            _task.ProgressMade();
        }

        return true;
    }

    /// <summary>
    /// A transient failure of the slice's indexing: persists the attempt and the time of the next
    /// one before waiting, or, the attempts used up, fails the task. False while it waits.
    /// </summary>
    private async Task<bool> RetryLaterAsync(Exception failure)
    {
        var policy = S.Retry ?? _options.Retry.Resolve(null);
        var failed = S.FailedAttempts + 1;
        var reason = TransientFaults.Describe(failure);
        if (SliceRetries.Exhausted(policy, failed))
        {
            await FailAsync(TaskErrors.RetriesExhausted(failed, reason));
            return true;
        }

        var now = time.GetUtcNow();
        // Drawn once: the stored time of the next attempt is the wait a new activation keeps.
        var delay = SliceRetries.Delay(policy, failed, Random.Shared.NextDouble());
        await _task.CommitAsync(next => TaskTransitions.AwaitRetry(next, failed, policy.MaxAttempts!.Value, now + delay, reason, now));
        admission.Rest(Admission.AdmissionTicket.Of(TaskId, S));
        ScheduleSliceIn(delay);
        return false;
    }

    private TimeSpan? RetryWaitLeft() =>
        S.NextAttemptAt is { } at && at > time.GetUtcNow() ? at - time.GetUtcNow() : null;

    /// <summary>
    /// Takes one step of a <c>delete_missing</c> removal into the task's progress (in memory: persisted
    /// with the next checkpoint; the index keeps the removal's own cursor and count durably).
    /// </summary>
    private void RemoveMissingStep(Sources.TaskSource source)
    {
        if (!source.RemovalDone)
        {
            S.Message = TaskMessages.Removing(source.Deleted ?? 0);
            _task.ProgressMade();
        }
        else if (source.DeleteSkipped is { } reason)
        {
            Log.DeleteSkipped(logger, TaskId, S.Collection, reason);
        }
        else
        {
            Log.DeletedMissing(logger, TaskId, source.Deleted ?? 0, S.Collection);
        }
    }

    private async Task CompleteAsync()
    {
        await _task.FlushProgressAsync();
        var preview = await _run.Results.PreviewAsync(S);
        await _task.CommitAsync(next => TaskTransitions.Complete(next, preview, time.GetUtcNow()));
        Log.Completed(logger, TaskId, S.Counts.Indexed, S.Counts.Unchanged, S.Counts.Failed);
    }

    /// <summary>
    /// Best effort at the end of the run, whatever the end: what a <c>delete_missing</c> pass recorded
    /// is forgotten again at the lease's last tick, and at the task's purge.
    /// </summary>
    private async Task ForgetSeenDocumentsAsync()
    {
        try
        {
            await _run.Missing.ForgetAsync(S.Source);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Log.ForgetSeenFailed(logger, exception, TaskId);
        }
    }

    private Task FailAsync(TaskError error) =>
        _task.CommitAsync(next => TaskTransitions.Fail(next, error, time.GetUtcNow()));

    /// <summary>Sends the next slice call unless one is already on its way (see <see cref="SliceSchedule"/>).</summary>
    private void ScheduleNextSlice()
    {
        if (_slices.Next() is not { } token)
        {
            return;
        }

        if (_slices.ReplacedLost)
        {
            Log.SliceLost(logger, TaskId, S.Current);
        }

        this.AsReference<IIndexTaskWorker>().RunSlice(token).Ignore();
    }

    private void ScheduleRetry(Exception exception)
    {
        var delay = _slices.Failed();
        Log.StorageFailed(logger, exception, TaskId, delay);
        ScheduleSliceIn(delay);
    }

    private void ScheduleSliceIn(TimeSpan delay)
    {
        _retryTimer?.Dispose();
        _retryTimer = this.RegisterGrainTimer(
            _ =>
            {
                ScheduleNextSlice();
                return Task.CompletedTask;
            },
            new GrainTimerCreationOptions { DueTime = delay, Period = Timeout.InfiniteTimeSpan });
    }
}
