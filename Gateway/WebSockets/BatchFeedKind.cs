using OrleansTasks.Feeds;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary><c>/ws/batch/{id}</c>: a batch's rolled-up state.</summary>
internal static class BatchFeedKind
{
    public static readonly FeedKind<BatchSnapshot> Instance = new(
        FeedSources.Batches,
        SocketClose.BatchNotFound,
        SocketClose.BatchFinished,
        BatchProtocolMessages.Connected,
        BatchProtocolMessages.ForEvent);
}
