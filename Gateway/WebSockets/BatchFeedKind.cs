namespace OrleansTasks.Gateway.WebSockets;

/// <summary><c>/ws/batch/{id}</c>: a batch's rolled-up state.</summary>
public static class BatchFeedKind
{
    public static readonly FeedKind<BatchSnapshot> Instance = new(
        "batch",
        SocketClose.BatchNotFound,
        SocketClose.BatchFinished,
        TaskStreams.ForBatch,
        (grains, id) => grains.GetGrain<IBatchGrain>(id).GetSnapshot(),
        BatchProtocolMessages.Connected,
        BatchProtocolMessages.ForEvent);
}
