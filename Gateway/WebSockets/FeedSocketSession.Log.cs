namespace OrleansTasks.Gateway.WebSockets;

/// <summary>The log messages of task, batch and owner-feed sockets.</summary>
internal static partial class SocketLog
{
    [LoggerMessage(1, LogLevel.Debug, "Socket refused after the upgrade: {Reason}")]
    public static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(2, LogLevel.Debug, "Socket of {UserId} watches {Kind} {Id} from seq {Seq}")]
    public static partial void Watching(ILogger logger, string userId, string kind, string id, long seq);

    [LoggerMessage(3, LogLevel.Warning, "Socket on {Kind} {Id} could not be opened")]
    public static partial void OpenFailed(ILogger logger, Exception exception, string kind, string id);

    [LoggerMessage(7, LogLevel.Debug, "Socket of {UserId} follows the tasks of {Scope}")]
    public static partial void Following(ILogger logger, string userId, string scope);

    [LoggerMessage(4, LogLevel.Information, "Socket on {Kind} {Id} is a slow consumer: its ping went unanswered for {Unanswered} ({PendingWorkItems} work items waiting for the gateway's threads)")]
    public static partial void PingUnanswered(ILogger logger, string kind, string id, TimeSpan unanswered, long pendingWorkItems);

    [LoggerMessage(8, LogLevel.Information, "Socket on {Kind} {Id} is a slow consumer: a send has not completed for {Stalled}")]
    public static partial void SendStuck(ILogger logger, string kind, string id, TimeSpan stalled);

    [LoggerMessage(5, LogLevel.Debug, "Socket on {Kind} {Id}: send failed ({Error})")]
    public static partial void SendFailed(ILogger logger, string kind, string id, string error);

    [LoggerMessage(6, LogLevel.Information, "Socket on {Kind} {Id} closed for a protocol violation: {Reason}")]
    public static partial void Violation(ILogger logger, string kind, string id, string reason);
}
