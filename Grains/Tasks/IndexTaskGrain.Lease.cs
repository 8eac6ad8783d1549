using OrleansTasks.Leases;

namespace OrleansTasks.Tasks;

/// <summary>
/// The durable lease of a task that has not ended: a reminder in the cluster's reminder table.
/// Whatever happens to the activation, the reminder reactivates the task, which then resumes from
/// its last checkpoint; each tick also restarts a run whose next slice got lost. The lease outlives
/// the end by one period, long enough for watchers to get the terminal event, and then removes the
/// stream subscriptions still left on the task: those of gateways that died without unsubscribing,
/// and whatever a <c>delete_missing</c> pass still has recorded.
/// It also stays while the task's history row is behind, each tick writing it again.
/// The lease is taken before the task is first written; a tick that finds no task ends it.
/// </summary>
public sealed partial class IndexTaskGrain
{
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != GrainLease.ReminderName)
        {
            return;
        }

        if (_task.Retired)
        {
            // The next activation decides, from what storage holds.
            return;
        }

        if (!S.Accepted)
        {
            await _lease.ReleaseAsync();
            return;
        }

        await _task.CatchUpHistoryAsync();
        if (await _task.PublishStoredEndAsync())
        {
            // Leftover subscriptions are removed at a later tick, once the end has had time to arrive.
            return;
        }

        if (S.Status.IsTerminal())
        {
            if (S.FollowersToNotify.Count > 0)
            {
                // The lease stays until every follower has acknowledged the end.
                NotifyFollowers();
            }
            else if (!_task.HistoryBehind && S.FinishedAt + _options.LeasePeriod <= time.GetUtcNow())
            {
                // Not while the history row is behind: nothing else would write it, and retention
                // finds a task only through its row.
                await LeftoverSubscriptions.RemoveAsync(this.GetStreamProvider(TaskStreams.ProviderName), TaskId, logger);

                // Again, durably: the end's own attempt may have failed or died with its silo.
                await _run.Missing.ForgetAsync(S.Source);
                await _lease.ReleaseAsync();
            }

            return;
        }

        if (S.Status == IndexTaskStatus.Waiting)
        {
            await CheckAwaitedDependenciesAsync();
            await StartIfDueAsync();
            ScheduleStartTimer();
            return;
        }

        ScheduleNextSlice();
    }
}
