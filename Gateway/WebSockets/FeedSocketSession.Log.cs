namespace OrleansTasks.Gateway.WebSockets;

public sealed partial class TaskSocketSession
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Socket refused after the upgrade: {Reason}")]
        public static partial void Refused(ILogger logger, string reason);

        [LoggerMessage(2, LogLevel.Debug, "Socket of {UserId} watches task {TaskId} from seq {Seq}")]
        public static partial void Watching(ILogger logger, Guid taskId, string userId, long seq);

        [LoggerMessage(3, LogLevel.Warning, "Socket on task {TaskId} could not be opened")]
        public static partial void OpenFailed(ILogger logger, Exception exception, Guid taskId);

        [LoggerMessage(4, LogLevel.Information, "Socket on task {TaskId} dropped: it took no message for {Timeout} (slow consumer)")]
        public static partial void SlowConsumer(ILogger logger, string taskId, TimeSpan timeout);

        [LoggerMessage(5, LogLevel.Debug, "Socket on task {TaskId}: send failed ({Error})")]
        public static partial void SendFailed(ILogger logger, string taskId, string error);

        [LoggerMessage(6, LogLevel.Information, "Socket on task {TaskId} closed for a protocol violation: {Reason}")]
        public static partial void Violation(ILogger logger, string taskId, string reason);
    }
}
