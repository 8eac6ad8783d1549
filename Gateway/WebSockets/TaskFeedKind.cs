using OrleansTasks.Feeds;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary><c>/ws/task/{id}</c>: one index task.</summary>
internal static class TaskFeedKind
{
    public static readonly FeedKind<IndexTaskSnapshot> Instance = new(
        FeedSources.Tasks,
        SocketClose.TaskNotFound,
        SocketClose.TaskFinished,
        ProtocolMessages.Connected,
        ProtocolMessages.ForEvent);
}
