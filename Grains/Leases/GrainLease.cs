using Microsoft.Extensions.Logging;
using Orleans.Timers;

namespace OrleansTasks.Leases;

/// <summary>
/// The durable lease of a grain whose work is not done: a reminder in the cluster's reminder table,
/// whose ticks reactivate the grain wherever and whenever its activation died.
/// </summary>
public sealed partial class GrainLease(IReminderRegistry reminders, GrainId grain, TimeSpan period, ILogger<GrainLease> logger)
{
    /// <summary>The reminder's name, which the grain's <c>ReceiveReminder</c> recognises.</summary>
    public const string ReminderName = "lease";

    private IGrainReminder? _reminder;

    public async Task TakeAsync() =>
        _reminder = await reminders.RegisterOrUpdateReminder(grain, ReminderName, period, period);

    /// <summary>Ends the lease; a failure is logged, and the next tick, finding the work done, tries again.</summary>
    public async Task ReleaseAsync()
    {
        try
        {
            if ((_reminder ?? await reminders.GetReminder(grain, ReminderName)) is { } reminder)
            {
                await reminders.UnregisterReminder(grain, reminder);
            }

            _reminder = null;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The handle may be stale (its ETag no longer matches): the next attempt reads the reminder again.
            _reminder = null;
            ReleaseFailed(logger, exception, grain);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "{Grain}: releasing its lease failed; the next tick retries")]
    private static partial void ReleaseFailed(ILogger logger, Exception exception, GrainId grain);
}
