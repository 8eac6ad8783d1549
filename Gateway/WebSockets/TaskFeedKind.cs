namespace OrleansTasks.Gateway.WebSockets;

/// <summary><c>/ws/task/{id}</c>: one index task.</summary>
public static class TaskFeedKind
{
    public static readonly FeedKind<IndexTaskSnapshot> Instance = new(
        "task",
        SocketClose.TaskNotFound,
        SocketClose.TaskFinished,
        TaskStreams.ForTask,
        (grains, id) => grains.GetGrain<IIndexTaskGrain>(id).GetSnapshot(),
        ProtocolMessages.Connected,
        ProtocolMessages.ForEvent);
}
