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

        [LoggerMessage(5, LogLevel.Error, "Task {TaskId} failed: the document index refused the batch at {Current}")]
        public static partial void IndexFailed(ILogger logger, Exception exception, Guid taskId, int current);

        [LoggerMessage(6, LogLevel.Warning, "Task {TaskId}: storage failed, retrying in {Delay}")]
        public static partial void StorageFailed(ILogger logger, Exception exception, Guid taskId, TimeSpan delay);

        [LoggerMessage(7, LogLevel.Warning, "Task {TaskId}: publishing seq {Seq} failed; the state is persisted and watchers will reconcile")]
        public static partial void PublishFailed(ILogger logger, Exception exception, Guid taskId, long seq);

        [LoggerMessage(8, LogLevel.Warning, "Task {TaskId}: a write failed (stale, or its outcome unknown); this activation stops and deactivates, and the next one reads storage")]
        public static partial void Retired(ILogger logger, Exception exception, Guid taskId);

        [LoggerMessage(9, LogLevel.Warning, "Task {TaskId}: the checkpoint at deactivation failed; the next activation resumes from the previous one before {Current}")]
        public static partial void DeactivationCheckpointFailed(ILogger logger, Exception exception, Guid taskId, int current);

        [LoggerMessage(10, LogLevel.Warning, "Task {TaskId}: its next batch was lost at {Current}; the lease restarts the run")]
        public static partial void BatchLost(ILogger logger, Guid taskId, int current);

        [LoggerMessage(11, LogLevel.Warning, "Task {TaskId}: releasing its lease failed; the next tick retries")]
        public static partial void LeaseReleaseFailed(ILogger logger, Exception exception, Guid taskId);

        [LoggerMessage(12, LogLevel.Information, "Task {TaskId}: removed stream subscription {SubscriptionId} left by a watcher that is gone")]
        public static partial void LeftoverSubscriptionRemoved(ILogger logger, Guid taskId, Guid subscriptionId);

        [LoggerMessage(13, LogLevel.Warning, "Task {TaskId}: its history row could not be written at acceptance; the next change writes it")]
        public static partial void HistoryFailed(ILogger logger, Exception exception, Guid taskId);

        [LoggerMessage(14, LogLevel.Information, "Task {TaskId} purged by retention")]
        public static partial void Purged(ILogger logger, Guid taskId);

        [LoggerMessage(15, LogLevel.Warning, "Task {TaskId}: a follower's acknowledgement could not be saved; it is told again at the next lease tick")]
        public static partial void AcknowledgementNotSaved(ILogger logger, Exception exception, Guid taskId);

        [LoggerMessage(16, LogLevel.Warning, "Task {TaskId}: dependency {DependencyId} could not be reached; the next lease tick asks again")]
        public static partial void DependencyUnreachable(ILogger logger, Exception exception, Guid taskId, Guid dependencyId);

        [LoggerMessage(17, LogLevel.Information, "Task {TaskId}: dependency {DependencyId} ended {DependencyStatus}; this task is now {Status}")]
        public static partial void DependencyEnded(ILogger logger, Guid taskId, Guid dependencyId, string dependencyStatus, string status);
    }
}
