namespace OrleansTasks.Tasks;

/// <summary>
/// The durable lease of a task that has not ended: a reminder in the cluster's reminder table.
/// Whatever happens to the activation, the reminder reactivates the task, which then resumes from
/// its last checkpoint; each tick also restarts a run whose next batch got lost.
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

        if (!S.Accepted || S.Status.IsTerminal())
        {
            await ReleaseLeaseAsync();
            return;
        }

        ScheduleNextBatch();
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
