using Microsoft.Extensions.Logging;
using OrleansTasks.Tasks;

namespace OrleansTasks.Batches;

/// <summary>
/// Retrying an ended batch: its failed and cancelled tasks are retried into a new batch whose id is derived
/// from this one's, created before the link is recorded here, so that a retry interrupted between the two
/// makes no second batch. The new batch retries each task after the tasks it waited for, so that the
/// retries wait for each other as the originals did.
/// </summary>
public sealed partial class BatchGrain
{
    public async Task<BatchSnapshot> Retry(string requestedBy, Guid requestId)
    {
        CancelledBy.Check(requestedBy);
        if (!S.Accepted)
        {
            throw new RetryRefusedException(RetryRefusal.NotFound, "No batch has this id.");
        }

        var retryId = TaskRetries.IdOf(BatchId);
        var retry = GrainFactory.GetGrain<IBatchRetryWorker>(retryId);
        if (S.RetriedBy is { } retriedBy)
        {
            return S.RetryRequestId == requestId
                ? (await GrainFactory.GetGrain<IBatchGrain>(retriedBy).GetSnapshot())!
                : throw new RetryRefusedException(RetryRefusal.AlreadyRetried, $"The batch has already been retried by batch {retriedBy}.", retriedBy);
        }

        if (S.FinishedAt is null)
        {
            throw new RetryRefusedException(RetryRefusal.NotEnded, "The batch has not ended; only an ended batch can be retried.");
        }

        if (TaskRetries.WhileUpgrading(ServiceProvider) is { } upgrading)
        {
            throw upgrading;
        }

        var candidates = await RetryCandidatesAsync(retryId);
        if (candidates.Count == 0)
        {
            throw new RetryRefusedException(RetryRefusal.NothingToRetry, "The batch has no failed or cancelled task to retry.");
        }

        var created = await retry.CreateRetry(new BatchRetryPlan(S.OwnerId, BatchId, requestedBy, [.. candidates]));
        await CommitAsync(next => (next.RetriedBy, next.RetryRequestId) = (created.BatchId, requestId));
        Log.Retried(logger, BatchId, created.BatchId, requestedBy, created.Tasks.Length);
        return created;
    }

    /// <summary>The failed and cancelled tasks, but those a retry outside <paramref name="retryId"/> has retried already.</summary>
    private async Task<List<GroupTask>> RetryCandidatesAsync(Guid retryId)
    {
        var ended = S.Tasks.Where(task => task.Status is IndexTaskStatus.Failed or IndexTaskStatus.Cancelled).ToList();
        var retries = await Task.WhenAll(ended.Select(task => GrainFactory.GetGrain<IIndexTaskGrain>(TaskRetries.IdOf(task.TaskId)).GetSnapshot()));
        return [.. ended.Where((_, i) => retries[i] is null || retries[i]!.BatchId == retryId)];
    }

    public async Task<BatchSnapshot> CreateRetry(BatchRetryPlan retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        if (S.Accepted && (S.Created || S.CancelledBy is not null))
        {
            return _published ?? BuildSnapshot();
        }

        if (!S.Accepted)
        {
            await AcceptAsync(new BatchState
            {
                OwnerId = retry.OwnerId,
                RetryOf = retry.RetryOf,
                RetriedTasks = [.. retry.Tasks.Select(task => task.TaskId)],
                Tasks = [.. retry.Tasks.Select(task => new GroupTask(TaskRetries.IdOf(task.TaskId), task.Ref, IndexTaskStatus.Pending, 0, 0, new TaskCounts(0, 0, 0), 0))],
            });
        }

        var (started, refused) = await RetryTasksAsync(retry.RequestedBy);
        if (started.Count == 0)
        {
            await Durable.ClearAsync(new BatchState());
            await _lease.ReleaseAsync();
            throw new RetryRefusedException(RetryRefusal.NothingToRetry, "None of the batch's failed or cancelled tasks can be retried (each has nothing left to retry, or its own retry is refused).");
        }

        await FinishCreationAsync(started, next =>
        {
            // Tasks with nothing to retry are left out of the new batch.
            next.RetriedTasks = [.. next.RetriedTasks!.Where((_, i) => !refused.Contains(i))];
            next.Tasks = [.. next.Tasks.Where((_, i) => !refused.Contains(i))];
        });
        return _published!;
    }

    /// <summary>
    /// Retries each original task into this batch, every one after those it waited for; a task already
    /// retried into this batch answers its retry, and one retried by another request, or whose own retry is
    /// refused, is left out. Returns the retries and the positions of the tasks left out.
    /// </summary>
    private async Task<(List<GroupTask> Started, HashSet<int> Refused)> RetryTasksAsync(string requestedBy)
    {
        var originals = S.RetriedTasks!;
        var snapshots = await Task.WhenAll(originals.Select(id => GrainFactory.GetGrain<IIndexTaskGrain>(id).GetSnapshot()));
        var order = BatchRetries.Order(originals, [.. snapshots.Select(snapshot => (IReadOnlyList<Guid>)(snapshot?.DependsOn ?? []))]);
        var started = new List<GroupTask>();
        var refused = new HashSet<int>();
        foreach (var i in order)
        {
            try
            {
                var snapshot = await GrainFactory.GetGrain<ITaskRetry>(originals[i]).Retry(requestedBy, BatchId, BatchId);
                started.Add(GroupTask.From(snapshot, S.Tasks[i].Ref));
            }
            catch (RetryRefusedException exception) when (exception.Reason is RetryRefusal.AlreadyRetried)
            {
                // Retried on its own since this batch was begun (a retry broken off midway, then the task's own
                // retry): that retry stands, and this batch is made without it, as a first try would have been.
                refused.Add(i);
            }
            catch (Exception exception) when (BatchRetries.LeavesOut(exception))
            {
                // Its own retry would be refused the same (nothing left, its documents or source gone, a dependency
                // gone): nothing was made for it, and the batch is made without it rather than half made.
                Log.TaskLeftOut(logger, BatchId, originals[i], exception.Message);
                refused.Add(i);
            }
            catch (Exception exception) when (ClusterSupport.UnknownToSilo<ITaskRetry>(exception))
            {
                // The task's activation lives on a silo of an earlier release that this silo's cluster manifest
                // did not list yet: the retries made so far are answered again when the batch is retried later.
                throw TaskRetries.Upgrading();
            }
        }

        return (started, refused);
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Information, "Batch {BatchId} retried by batch {RetryId} at the request of {RequestedBy} with {TaskCount} tasks")]
        public static partial void Retried(ILogger logger, Guid batchId, Guid retryId, string requestedBy, int taskCount);

        [LoggerMessage(21, LogLevel.Information, "Batch {BatchId}: its task {TaskId} is left out of the batch's retry, its own retry refused: {Reason}")]
        public static partial void TaskLeftOut(ILogger logger, Guid batchId, Guid taskId, string reason);
    }
}
