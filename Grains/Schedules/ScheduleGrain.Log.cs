using Microsoft.Extensions.Logging;

namespace OrleansTasks.Schedules;

public sealed partial class ScheduleGrain
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Schedule {ScheduleId} created for {OwnerId}; first due {NextDueAt}")]
        public static partial void Created(ILogger logger, Guid scheduleId, string ownerId, DateTimeOffset? nextDueAt);

        [LoggerMessage(2, LogLevel.Information, "Schedule {ScheduleId} started task {TaskId} for the occurrence at {Occurrence} (run now: {Manual})")]
        public static partial void Fired(ILogger logger, Guid scheduleId, Guid taskId, DateTimeOffset occurrence, bool manual);

        [LoggerMessage(3, LogLevel.Information, "Schedule {ScheduleId} skipped {Occurrences} occurrence(s): {Reason}")]
        public static partial void Skipped(ILogger logger, Guid scheduleId, int occurrences, string reason);

        [LoggerMessage(4, LogLevel.Information, "Schedule {ScheduleId} paused: {Paused}")]
        public static partial void PausedChanged(ILogger logger, Guid scheduleId, bool paused);

        [LoggerMessage(5, LogLevel.Information, "Schedule {ScheduleId} deleted")]
        public static partial void Deleted(ILogger logger, Guid scheduleId);

        [LoggerMessage(6, LogLevel.Warning, "Schedule {ScheduleId}: adding it to its owner's list failed; its reminder tries again")]
        public static partial void ListingFailed(ILogger logger, Exception exception, Guid scheduleId);

        [LoggerMessage(7, LogLevel.Warning, "Schedule {ScheduleId} deleted, but removing its list entry or reminder failed; a list skips it and the reminder removes itself")]
        public static partial void CleanupFailed(ILogger logger, Exception exception, Guid scheduleId);

        [LoggerMessage(8, LogLevel.Warning, "Schedule {ScheduleId}: starting task {TaskId} of its recorded run failed; retried in {Delay}")]
        public static partial void StartFailed(ILogger logger, Exception exception, Guid scheduleId, Guid taskId, TimeSpan delay);
    }
}
