using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.History;
using OrleansTasks.Uploads;

namespace OrleansTasks.Tasks;

/// <summary>
/// The retention job: a reminder (durable across restarts) sweeps every
/// <see cref="TasksOptions.RetentionSweepPeriod"/> and purges tasks that ended more than
/// <see cref="TasksOptions.RetentionDays"/> days before <see cref="TimeProvider"/>'s now, then the
/// uploads created before the same cutoff that no remaining task reads, and uploads cut off midway
/// (never completed) a day after they began.
/// </summary>
[GrainType("retention")]
public sealed partial class RetentionGrain(
    ITaskHistory history, IUploadStore uploads, IOptions<TasksOptions> options, TimeProvider time, ILogger<RetentionGrain> logger)
    : Grain, IRetentionGrain, IRemindable
{
    private const string SweepReminder = "retention-sweep";
    private const int PageSize = 500;

    /// <summary>How long an upload may take to arrive; one still incomplete after it was cut off, and is removed.</summary>
    public static readonly TimeSpan IncompleteUploadLifetime = TimeSpan.FromDays(1);

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

        // After the tasks: an upload goes only once no remaining task reads it.
        var incompleteBefore = time.GetUtcNow() - IncompleteUploadLifetime;
        var uploadsPurged = await uploads.PurgeAsync(cutoff, incompleteBefore, CancellationToken.None);
        Log.SweptUploads(logger, uploadsPurged, cutoff);
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

        [LoggerMessage(2, LogLevel.Information, "Retention: purged {Count} upload(s) created before {Cutoff} that no task reads, or cut off midway")]
        public static partial void SweptUploads(ILogger logger, int count, DateTimeOffset cutoff);
    }
}
