using Orleans.Streams.PubSub;

namespace OrleansTasks.Tasks;

/// <summary>
/// The durable lease of a task that has not ended: a reminder in the cluster's reminder table.
/// Whatever happens to the activation, the reminder reactivates the task, which then resumes from
/// its last checkpoint; each tick also restarts a run whose next batch got lost. The lease outlives
/// the end by one period, long enough for watchers to get the terminal event, and then removes the
/// stream subscriptions still left on the task: those of gateways that died without unsubscribing.
/// The lease is taken before the task is first written; a tick that finds no task ends it.
/// </summary>
public sealed partial class IndexTaskGrain
{
    public const string LeaseReminder = "lease";

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != LeaseReminder)
        {
            return;
        }

        if (Retired)
        {
            // The next activation decides, from what storage holds.
            return;
        }

        if (!S.Accepted)
        {
            await ReleaseLeaseAsync();
            return;
        }

        if (_historyBehind)
        {
            await RecordHistoryAsync(_published ?? BuildSnapshot());
        }

        if (S.Status.IsTerminal() && !_endPublished && _published is not null)
        {
            // This activation did not publish the end (the one before it may have died or lost
            // its write's acknowledgement first): publish it, under the seq it was stored with.
            // Leftover subscriptions are removed at a later tick, once the end has had time to arrive.
            await PublishAsync(_published);
            _endPublished = true;
            return;
        }

        if (S.Status.IsTerminal() && S.FollowersToNotify.Count > 0)
        {
            // The lease stays until every follower has acknowledged the end.
            NotifyFollowers();
            return;
        }

        if (S.Status.IsTerminal())
        {
            if (S.FinishedAt + _options.LeasePeriod <= time.GetUtcNow())
            {
                await RemoveLeftoverSubscriptionsAsync();
                await ReleaseLeaseAsync();
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

        ScheduleNextBatch();
    }

    private async Task RemoveLeftoverSubscriptionsAsync()
    {
        if (!this.GetStreamProvider(TaskStreams.ProviderName).TryGetStreamSubscriptionManager(out var manager))
        {
            return;
        }

        var streamId = TaskStreams.ForTask(TaskId);
        foreach (var subscription in await manager.GetSubscriptions(TaskStreams.ProviderName, streamId))
        {
            await manager.RemoveSubscription(TaskStreams.ProviderName, streamId, subscription.SubscriptionId);
            Log.LeftoverSubscriptionRemoved(logger, TaskId, subscription.SubscriptionId);
        }
    }

    private async Task TakeLeaseAsync() =>
        await this.RegisterOrUpdateReminder(LeaseReminder, _options.LeasePeriod, _options.LeasePeriod);

    private async Task ReleaseLeaseAsync()
    {
        try
        {
            if (await this.GetReminder(LeaseReminder) is { } lease)
            {
                await this.UnregisterReminder(lease);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The next tick finds the task ended and tries again.
            Log.LeaseReleaseFailed(logger, exception, TaskId);
        }
    }
}
