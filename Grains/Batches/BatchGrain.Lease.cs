using OrleansTasks.Leases;
using OrleansTasks.Tasks;

namespace OrleansTasks.Batches;

/// <summary>
/// The batch's lease: a reminder held while a call may have left the batch half done — its tasks
/// partly created, its cancellation not yet passed on to every task, or the batch not yet in its
/// owner's list. Each tick finishes what it can; a creation that no retry has finished within
/// <see cref="TasksOptions.CreationRetryWindow"/> is abandoned: the tasks already created are cancelled.
/// </summary>
public sealed partial class BatchGrain
{
    private GrainLease _lease = null!;
    private bool _listed;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != GrainLease.ReminderName || Durable.IsRetired)
        {
            return;
        }

        if (!S.Accepted)
        {
            await _lease.ReleaseAsync();
            return;
        }

        if (!S.Created && S.CancelledBy is null)
        {
            if (time.GetUtcNow() - S.CreatedAt < _options.CreationRetryWindow)
            {
                return;
            }

            await AbandonCreationAsync(CancelledBy.Batch(BatchId));
        }

        if (S.CancelledBy is not null && S.FinishedAt is null)
        {
            // Ends once every task has ended and told the batch.
            await CancelUnfinishedTasksAsync();
            return;
        }

        if (await ListAsync())
        {
            await _lease.ReleaseAsync();
        }
    }

    /// <summary>Puts the batch in its owner's list (a projection, never a reason to undo); true once it is there.</summary>
    private async Task<bool> ListAsync()
    {
        if (_listed)
        {
            return true;
        }

        try
        {
            await GrainFactory.GetGrain<IUserListGrain>(IUserListGrain.Batches(S.OwnerId)).Add(BatchId, S.CreatedAt);
            _listed = true;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Log.ListingFailed(logger, exception, BatchId);
        }

        return _listed;
    }

    /// <summary>
    /// Creating the tasks failed midway and was not retried: the tasks already created are
    /// cancelled and the others marked cancelled, so that the batch ends.
    /// </summary>
    private async Task AbandonCreationAsync(string cancelledBy)
    {
        // The tasks are cancelled by the batch, as when a created batch is cancelled; the batch records who asked.
        var outcomes = new CancelOutcome[S.Tasks.Count];
        for (var i = 0; i < S.Tasks.Count; i++)
        {
            outcomes[i] = await GrainFactory.GetGrain<IIndexTaskGrain>(S.Tasks[i].TaskId).Cancel(CancelledBy.Batch(BatchId));
        }

        await CommitAsync(batch =>
        {
            for (var i = 0; i < batch.Tasks.Count; i++)
            {
                if (outcomes[i] == CancelOutcome.NotFound)
                {
                    batch.Tasks[i] = batch.Tasks[i] with { Status = IndexTaskStatus.Cancelled };
                }
            }

            batch.Created = true;
            batch.CancelledBy = cancelledBy;
            batch.Interrupted = BatchMessages.CreationInterrupted;
        });
        Log.CreationInterrupted(logger, BatchId);
    }
}
