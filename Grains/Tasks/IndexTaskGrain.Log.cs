using Microsoft.Extensions.Logging;

namespace OrleansTasks.Tasks;

public sealed partial class IndexTaskGrain
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Task {TaskId} accepted for {OwnerId}: {Total} documents into '{Collection}'")]
        public static partial void Accepted(ILogger logger, Guid taskId, string ownerId, string collection, int total);

        [LoggerMessage(2, LogLevel.Information, "Task {TaskId} resumed at {Current}/{Total}, seq continues above {Seq}")]
        public static partial void Resumed(ILogger logger, Guid taskId, int current, int total, long seq);

        [LoggerMessage(3, LogLevel.Information, "Task {TaskId} completed: {Indexed} indexed, {Unchanged} unchanged, {Failed} failed")]
        public static partial void Completed(ILogger logger, Guid taskId, int indexed, int unchanged, int failed);

        [LoggerMessage(4, LogLevel.Information, "Task {TaskId} cancelled by {CancelledBy} at {Current}/{Total}")]
        public static partial void Cancelled(ILogger logger, Guid taskId, string cancelledBy, int current, int total);

        [LoggerMessage(6, LogLevel.Warning, "Task {TaskId}: storage failed, retrying in {Delay}")]
        public static partial void StorageFailed(ILogger logger, Exception exception, Guid taskId, TimeSpan delay);

        [LoggerMessage(9, LogLevel.Warning, "Task {TaskId}: the checkpoint at deactivation failed; the next activation resumes from the previous one before {Current}")]
        public static partial void DeactivationCheckpointFailed(ILogger logger, Exception exception, Guid taskId, int current);

        [LoggerMessage(10, LogLevel.Warning, "Task {TaskId}: its next slice was lost at {Current}; the lease restarts the run")]
        public static partial void SliceLost(ILogger logger, Guid taskId, int current);

        [LoggerMessage(14, LogLevel.Information, "Task {TaskId} purged by retention")]
        public static partial void Purged(ILogger logger, Guid taskId);

        [LoggerMessage(15, LogLevel.Warning, "Task {TaskId}: a follower's acknowledgement could not be saved; it is told again at the next lease tick")]
        public static partial void AcknowledgementNotSaved(ILogger logger, Exception exception, Guid taskId);

        [LoggerMessage(17, LogLevel.Information, "Task {TaskId}: dependency {DependencyId} ended {DependencyStatus}; this task is now {Status}")]
        public static partial void DependencyEnded(ILogger logger, Guid taskId, Guid dependencyId, string dependencyStatus, string status);

        [LoggerMessage(42, LogLevel.Information, "Task {TaskId} read its whole source and removed the {Deleted} documents of {Collection} it no longer holds")]
        public static partial void DeletedMissing(ILogger logger, Guid taskId, long deleted, string collection);

        [LoggerMessage(44, LogLevel.Warning, "Task {TaskId} removed nothing from {Collection}: {Reason}")]
        public static partial void DeleteSkipped(ILogger logger, Guid taskId, string collection, string reason);

        [LoggerMessage(43, LogLevel.Warning, "Task {TaskId}: the ids its pass saw could not be forgotten now; its lease's last tick or its purge forgets them")]
        public static partial void ForgetSeenFailed(ILogger logger, Exception exception, Guid taskId);

        [LoggerMessage(41, LogLevel.Warning, "Task {TaskId} timed out: its limit of {Limit} after its start passed at {Current}/{Total}")]
        public static partial void TimedOut(ILogger logger, Guid taskId, TimeSpan limit, int current, int total);

        [LoggerMessage(45, LogLevel.Information, "Task {TaskId} moves to silo {Silo}, where the admission queue granted it a slot")]
        public static partial void Moving(ILogger logger, Guid taskId, string silo);

        [LoggerMessage(48, LogLevel.Information, "Task {TaskId} is handed on to silo {Silo}: its silo stops")]
        public static partial void HandedOn(ILogger logger, Guid taskId, string silo);
    }
}
