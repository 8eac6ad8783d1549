using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.History;

namespace OrleansTasks.Tasks;

/// <summary>
/// The retention job: a reminder (durable across restarts) sweeps every
/// <see cref="TasksOptions.RetentionSweepPeriod"/> and purges tasks that ended more than
/// <see cref="TasksOptions.RetentionDays"/> days before <see cref="TimeProvider"/>'s now.
/// </summary>
[GrainType("retention")]
public sealed partial class RetentionGrain(
    ITaskHistory history, IOptions<TasksOptions> options, TimeProvider time, ILogger<RetentionGrain> logger) : Grain, IRetentionGrain, IRemindable
{
    private const string SweepReminder = "retention-sweep";
    private const int PageSize = 500;

    public async Task Start() =>
        await this.RegisterOrUpdateReminder(SweepReminder, options.Value.RetentionSweepPeriod, options.Value.RetentionSweepPeriod);

    public async Task<int> PurgeEndedBefore(DateTimeOffset cutoff)
    {
        var purged = 0;
        while (true)
        {
            var due = await history.EndedBeforeAsync(cutoff, PageSize, CancellationToken.None);
            var done = 0;
            foreach (var taskId in due)
            {
                if (await GrainFactory.GetGrain<IIndexTaskWorker>(taskId).Purge())
                {
                    done++;
                }
            }

            purged += done;
            if (due.Count < PageSize || done == 0)
            {
                break;
            }
        }

        Log.Swept(logger, purged, cutoff);
        return purged;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == SweepReminder)
        {
            await PurgeEndedBefore(time.GetUtcNow() - TimeSpan.FromDays(options.Value.RetentionDays));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Retention: purged {Count} task(s) that ended before {Cutoff}")]
        public static partial void Swept(ILogger logger, int count, DateTimeOffset cutoff);
    }
}
