namespace OrleansTasks.Tasks;

/// <summary>
/// The changes of an index task's state, as plain functions: status changes applied to the copy a
/// commit computes, and a slice's progress applied to the state in memory. The grain decides when a
/// change happens; these decide what it is.
/// </summary>
public static class TaskTransitions
{
    /// <summary>
    /// The first state of an accepted task: waiting for dependencies or a start time, or queued. Its
    /// documents are either in stored chunks (<paramref name="documentChunkStarts"/>) or, for a small
    /// task, <paramref name="inline"/> in the state itself.
    /// </summary>
    public static IndexTaskState Accept(StartIndexTask request, IReadOnlyList<int> documentChunkStarts, IReadOnlyList<IndexDocument>? inline, int total, IEnumerable<GrainId> followers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var accepted = new IndexTaskState
        {
            Accepted = true,
            OwnerId = request.OwnerId,
            Collection = request.Collection,
            DependsOn = [.. request.Dependencies],
            AwaitedDependencies = [.. request.Dependencies],
            BatchId = request.BatchId,
            ScheduleId = request.ScheduleId,
            Followers = [.. followers],
            RunAt = request.RunAt,
            Priority = request.Priority,
            RetryLinks = TaskRetryLinks.Of(request),
            Total = total,
            DocumentChunkStarts = [.. documentChunkStarts],
            InlineDocuments = inline is null ? null : [.. inline],
            InlineResults = inline is null ? null : [],
            Source = request.Source is { } source ? new Sources.TaskSource { Spec = source, DeleteMissing = request.DeleteMissing }
                : request.Upload is { } upload ? new Sources.TaskSource { Upload = upload, Counted = true, DeleteMissing = request.DeleteMissing }
                : null,
            CreatedAt = now,
            UpdatedAt = now,
            Seq = 1,
        };
        accepted.Status = accepted.AwaitedDependencies.Count > 0 || request.RunAt > now ? IndexTaskStatus.Waiting : IndexTaskStatus.Pending;
        accepted.QueuedAt = accepted.Status == IndexTaskStatus.Pending ? now : null;
        accepted.Message = WaitingMessage(accepted, now) ?? TaskMessages.Queued;
        return accepted;
    }

    /// <summary>What a waiting task waits for, or null when nothing holds it back any more.</summary>
    public static string? WaitingMessage(IndexTaskState task, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.AwaitedDependencies.Count > 0 ? TaskMessages.WaitingFor(task.AwaitedDependencies.Count)
            : task.RunAt is { } runAt && runAt > now ? TaskMessages.ScheduledFor(runAt)
            : null;
    }

    /// <summary>
    /// When a timer should start a task that waits only for its start time: null when it waits for
    /// dependencies or nothing, or when the start is beyond <paramref name="horizon"/>.
    /// </summary>
    public static TimeSpan? StartTimerDue(IndexTaskState task, DateTimeOffset now, TimeSpan horizon)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.Status != IndexTaskStatus.Waiting || task.AwaitedDependencies.Count > 0 || task.RunAt is not { } runAt)
        {
            return null;
        }

        var due = runAt - now;
        return due > horizon ? null : due < TimeSpan.Zero ? TimeSpan.Zero : due;
    }

    /// <summary>A waiting task that nothing holds back any more is queued: admission ranks it from <paramref name="now"/>.</summary>
    public static void Queue(IndexTaskState next, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(next);
        next.Status = IndexTaskStatus.Pending;
        next.QueuedAt = now;
        next.Message = TaskMessages.Queued;
    }

    public static void StartProcessing(IndexTaskState next, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(next);
        next.Status = IndexTaskStatus.Processing;
        next.StartedAt = now;
        next.Message = next.Source is { Counted: false } ? TaskMessages.Counting : TaskMessages.Indexing(next.Current, next.Total);
    }

    /// <summary>Takes in the outcomes of one slice; returns the counts it added.</summary>
    public static TaskCounts RecordSlice(IndexTaskState task, IReadOnlyList<DocumentResult> results, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(results);
        var added = TaskCountsOf(results);
        if (task.InlineResults is { } inline)
        {
            inline.AddRange(results);
        }
        else
        {
            task.ResultChunkCount++;
        }

        task.Current += results.Count;
        task.FailedAttempts = 0;
        task.NextAttemptAt = null;
        task.Counts = new TaskCounts(task.Counts.Indexed + added.Indexed, task.Counts.Unchanged + added.Unchanged, task.Counts.Failed + added.Failed);
        task.Message = TaskMessages.Indexing(task.Current, task.Total);
        task.UpdatedAt = now;
        return added;
    }

    public static void Complete(IndexTaskState next, TaskResultPreview preview, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(next);
        next.Result = preview;

        // A retry re-runs the failed documents, so a task with some keeps them.
        next.InlineDocuments = next.Counts.Failed > 0 ? next.InlineDocuments : null;

        // A source read to its end may hold fewer documents than it did when counted.
        next.Total = next.Source is null ? next.Total : next.Current;
        next.Status = IndexTaskStatus.Completed;
        next.Message = TaskMessages.Completed(next.Counts)
            + (next.Source is { DeleteMissing: true } source ? TaskMessages.Removal(source.Deleted ?? 0, source.DeleteSkipped) : "");
        next.FinishedAt = now;
    }

    public static void Fail(IndexTaskState next, TaskError error, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(error);
        next.Status = IndexTaskStatus.Failed;
        next.Error = error;
        next.NextAttemptAt = null;
        next.Message = error.Message;
        next.FinishedAt = now;
    }

    public static void Cancel(IndexTaskState next, string cancelledBy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(next);
        next.Status = IndexTaskStatus.Cancelled;
        next.CancelledBy = cancelledBy;
        next.NextAttemptAt = null;
        next.Message = TaskMessages.Cancelled(cancelledBy);
        next.FinishedAt = now;
    }

    /// <summary>
    /// The retry policy and time limit of a newly accepted task: its own, the silo's defaults for what it leaves out;
    /// no limit for <see cref="StartIndexTask.NoTimeout"/>.
    /// </summary>
    public static void TakePolicies(IndexTaskState accepted, StartIndexTask request, TasksOptions options)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        accepted.Retry = options.Retry.Resolve(request.Retry);
        accepted.Timeout = request.Timeout == StartIndexTask.NoTimeout ? null : request.Timeout ?? options.DefaultTimeout;
    }

    /// <summary>
    /// The slice at <see cref="IndexTaskState.Current"/> failed transiently for the
    /// <paramref name="failedAttempts"/>-th time; the next attempt waits until <paramref name="nextAttemptAt"/>.
    /// </summary>
    public static void AwaitRetry(IndexTaskState next, int failedAttempts, int maxAttempts, DateTimeOffset nextAttemptAt, string reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(next);
        next.FailedAttempts = failedAttempts;
        next.NextAttemptAt = nextAttemptAt;
        next.Message = TaskMessages.Retrying(nextAttemptAt - now, failedAttempts + 1, maxAttempts, reason);
    }

    /// <summary>
    /// The retry wait is over and the attempt it announced begins (it may still wait for a slot of its silo):
    /// the time of the next attempt, now past, is cleared and the message says which attempt runs. The
    /// attempt is kept until a step succeeds (<see cref="AttemptSucceeded"/>).
    /// </summary>
    public static void EndRetryWait(IndexTaskState next, int maxAttempts)
    {
        ArgumentNullException.ThrowIfNull(next);
        next.NextAttemptAt = null;
        next.Message = next.Source is { Counted: false }
            ? TaskMessages.CountingAttempt(next.FailedAttempts + 1, maxAttempts)
            : TaskMessages.Attempting(next.Current, next.Total, next.FailedAttempts + 1, maxAttempts);
    }

    /// <summary>
    /// A step of the task went through, after failed attempts or not: the next starts at attempt 1, with no attempt awaited. A
    /// recorded slice does this (<see cref="RecordSlice"/>), and so do a turn of the counting pass and a source's slice that
    /// read nothing to record.
    /// </summary>
    public static void AttemptSucceeded(IndexTaskState task)
    {
        ArgumentNullException.ThrowIfNull(task);
        task.FailedAttempts = 0;
        task.NextAttemptAt = null;
    }

    /// <summary>
    /// A turn of a streaming task's counting pass went through: the attempt its failures reached ends, as a
    /// recorded slice's does (<see cref="RecordSlice"/>), and a count that goes on says so again.
    /// </summary>
    public static void CountTurnSucceeded(IndexTaskState task)
    {
        AttemptSucceeded(task);
        if (task.Source is { Counted: false })
        {
            task.Message = TaskMessages.Counting;
        }
    }

    /// <summary>
    /// A dependency has ended (<paramref name="final"/> null when it no longer exists): completed, it
    /// is no longer awaited and the task may be queued; otherwise the task ends without running.
    /// </summary>
    public static void DependencyEnded(IndexTaskState next, Guid dependency, IndexTaskSnapshot? final, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(next);
        next.AwaitedDependencies = [.. next.AwaitedDependencies.Where(id => id != dependency)];
        switch (final?.Status)
        {
            case IndexTaskStatus.Completed when WaitingMessage(next, now) is { } stillWaiting:
                next.Message = stillWaiting;
                break;
            case IndexTaskStatus.Completed:
                Queue(next, now);
                break;
            case IndexTaskStatus.Cancelled:
                Cancel(next, CancelledBy.Dependency(dependency), now);
                next.Message = TaskMessages.DependencyCancelled(dependency);
                break;
            default:
                Fail(next, final is null ? TaskErrors.DependencyMissing(dependency) : TaskErrors.DependencyFailed(dependency), now);
                break;
        }
    }

    private static TaskCounts TaskCountsOf(IReadOnlyList<DocumentResult> results)
    {
        int indexed = 0, unchanged = 0, failed = 0;
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
