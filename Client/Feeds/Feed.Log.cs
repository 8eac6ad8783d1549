using Microsoft.Extensions.Logging;

namespace OrleansTasks.Feeds;

/// <summary>The feeds' log messages, shared by every kind of feed.</summary>
internal static partial class FeedLog
{
    [LoggerMessage(1, LogLevel.Debug, "Subscribed to the stream of {Kind} {Id}")]
    public static partial void Subscribed(ILogger logger, string kind, string id);

    [LoggerMessage(2, LogLevel.Debug, "Unsubscribed from the stream of {Kind} {Id}")]
    public static partial void Unsubscribed(ILogger logger, string kind, string id);

    [LoggerMessage(3, LogLevel.Warning, "Unsubscribing from the stream of {Kind} {Id} failed")]
    public static partial void UnsubscribeFailed(ILogger logger, Exception exception, string kind, string id);

    [LoggerMessage(4, LogLevel.Warning, "The stream of {Kind} {Id} reported an error")]
    public static partial void StreamError(ILogger logger, Exception exception, string kind, Guid id);

    [LoggerMessage(5, LogLevel.Debug, "The {Kind} {Id} reconciled against its grain at seq {Seq}")]
    public static partial void Reconciled(ILogger logger, string kind, Guid id, long seq);
}
