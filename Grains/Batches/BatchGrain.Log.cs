using Microsoft.Extensions.Logging;

namespace OrleansTasks.Batches;

public sealed partial class BatchGrain
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Batch {BatchId} created for {OwnerId} with {TaskCount} tasks")]
        public static partial void Created(ILogger logger, Guid batchId, string ownerId, int taskCount);

        [LoggerMessage(2, LogLevel.Information, "Batch {BatchId} cancelling its unfinished tasks, requested by {CancelledBy}")]
        public static partial void Cancelling(ILogger logger, Guid batchId, string cancelledBy);

        [LoggerMessage(3, LogLevel.Information, "Batch {BatchId} ended {Status}: {Message}")]
        public static partial void Ended(ILogger logger, Guid batchId, string status, string message);

        [LoggerMessage(4, LogLevel.Warning, "Batch {BatchId}: publishing seq {Seq} failed; watchers reconcile against the snapshot")]
        public static partial void PublishFailed(ILogger logger, Exception exception, Guid batchId, long seq);

        [LoggerMessage(5, LogLevel.Warning, "Batch {BatchId}: creating its tasks failed midway and was not retried; the tasks already created were cancelled")]
        public static partial void CreationInterrupted(ILogger logger, Guid batchId);

        [LoggerMessage(7, LogLevel.Warning, "Batch {BatchId}: adding it to its owner's list failed; its lease tries again")]
        public static partial void ListingFailed(ILogger logger, Exception exception, Guid batchId);

        [LoggerMessage(8, LogLevel.Warning, "Batch {BatchId}: cancelling its unfinished tasks failed; its lease tries again")]
        public static partial void CancelIncomplete(ILogger logger, Exception exception, Guid batchId);

        [LoggerMessage(9, LogLevel.Warning, "Batch {BatchId}: reading its unfinished tasks failed; their next changes bring it up to date")]
        public static partial void RefreshIncomplete(ILogger logger, Exception exception, Guid batchId);
    }
}
