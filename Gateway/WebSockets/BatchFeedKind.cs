using Orleans.Runtime;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary><c>/ws/batch/{id}</c>: a batch's rolled-up state.</summary>
public sealed class BatchFeedKind : IFeedKind<BatchSnapshot>
{
    public static readonly BatchFeedKind Instance = new();

    private readonly EncodedEvents<BatchSnapshot> _events = new(BatchProtocolMessages.ForEvent);

    public string Name => "batch";

    public SocketClose NotFound => SocketClose.BatchNotFound;

    public SocketClose Finished => SocketClose.BatchFinished;

    public StreamId StreamFor(Guid id) => TaskStreams.ForBatch(id);

    public Task<BatchSnapshot?> ReadAsync(IGrainFactory grains, Guid id) => grains.GetGrain<IBatchGrain>(id).GetSnapshot();

    public byte[] Connected(BatchSnapshot snapshot, DateTimeOffset now) => BatchProtocolMessages.Connected(snapshot, now);

    public byte[] ForEvent(BatchSnapshot snapshot) => _events.Get(snapshot);
}
