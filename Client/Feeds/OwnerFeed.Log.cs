using Microsoft.Extensions.Logging;

namespace OrleansTasks.Feeds;

/// <summary>The owner feeds' log messages.</summary>
internal static partial class OwnerFeedLog
{
    [LoggerMessage(12, LogLevel.Warning, "The owner feed of {Scope} reported a stream error; it is read back from history")]
    public static partial void StreamError(ILogger logger, Exception exception, string scope);
}
